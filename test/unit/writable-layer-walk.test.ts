// The writable-layer walk counts what GNU du counts (cAdvisor's GetDirUsage does the same): every
// entry's allocated blocks, a hard-linked file once, a symbolic link as itself (never followed);
// and it stops at its entry budget, saying the figure is partial.
import { execFile } from "node:child_process";
import { link, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { dirUsage, majorMinor } from "../../collector/docker/writable-layer.ts";
import { tempDir } from "../helpers/stack.ts";

const run = promisify(execFile);

describe("writable-layer walk", () => {
  it("matches du -s: blocks × 512, hard links once, symlinks not followed", async () => {
    const dir = await tempDir("layer-walk");
    try {
      const root = join(dir.path, "upper");
      await mkdir(join(root, "etc", "deep"), { recursive: true });
      await writeFile(join(root, "etc", "big"), Buffer.alloc(100_000, 7));
      await link(join(root, "etc", "big"), join(root, "etc", "big-again"));
      await symlink("/usr", join(root, "usr")); // /usr is large: following it would show
      await writeFile(join(root, "etc", "deep", "small"), "x\n");
      const du = await run("du", ["-s", "-B1", "-x", root]);
      const usage = await dirUsage(root, 1000);
      expect(usage.bytes).toBe(Number(du.stdout.split("\t")[0]));
      // upper, etc, deep, big (its second name not again), usr, small
      expect(usage.inodes).toBe(6);
      expect(usage.complete).toBe(true);
    } finally {
      await dir.remove();
    }
  });

  it("stops at the entry budget and says the figure is partial", async () => {
    const dir = await tempDir("layer-budget");
    try {
      for (let i = 0; i < 50; i++) await writeFile(join(dir.path, `f${i}`), "x");
      const usage = await dirUsage(dir.path, 10);
      expect(usage.complete).toBe(false);
      expect(usage.entries).toBe(10);
      expect((await dirUsage(dir.path, 51)).complete).toBe(true);
    } finally {
      await dir.remove();
    }
  });

  it("names a stat's device as major:minor the way the kernel encodes it", () => {
    expect(majorMinor(0xfe00)).toBe("254:0");
    expect(majorMinor(2049)).toBe("8:1");
    expect(majorMinor(0x10300)).toBe("259:0"); // nvme: major above 255
  });
});
