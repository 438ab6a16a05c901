// The CLI turns on Node's compile cache before it loads anything else, in the user's own cache
// directory (a cached module is code the process runs, so not the shared temp directory Node
// would pick), and leaves it off when NODE_DISABLE_COMPILE_CACHE says so.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/stack.ts";

const filesUnder = async (dir: string) =>
  (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile());

describe("the CLI's compile cache", () => {
  const dirs: { remove: () => Promise<void> }[] = [];
  afterAll(async () => {
    for (const d of dirs) await d.remove();
  });
  const cacheHome = async () => {
    const dir = await tempDir("cli-compile-cache");
    dirs.push(dir);
    return dir.path;
  };

  it("is kept under XDG_CACHE_HOME/fleetscope, and a warm one answers the same", async () => {
    const home = await cacheHome();
    const env = { XDG_CACHE_HOME: home, NODE_COMPILE_CACHE: "" };
    const cold = await runCli(["top", "--help"], env);
    expect(cold.code).toBe(0);
    expect((await filesUnder(join(home, "fleetscope", "node-compile-cache"))).length).toBeGreaterThan(10);
    expect(await runCli(["top", "--help"], env)).toEqual(cold);
  });

  it("is not written when NODE_DISABLE_COMPILE_CACHE=1", async () => {
    const home = await cacheHome();
    const r = await runCli(["--version"], {
      XDG_CACHE_HOME: home,
      NODE_COMPILE_CACHE: "",
      NODE_DISABLE_COMPILE_CACHE: "1",
    });
    expect(r.code).toBe(0);
    expect(await filesUnder(home)).toEqual([]);
  });
});
