// The shipped Prometheus configurations are valid for a real Prometheus: promtool checks them,
// with the token file they name present (as an operator puts it there).
import { readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMTOOL, runWithInput } from "../helpers/run.ts";
import { REPO, tempDir } from "../helpers/stack.ts";

const DIR = join(REPO, "dashboards", "prometheus");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
/** Where the shipped configurations expect the aggregator's read token. */
const TOKEN_FILE = "/etc/prometheus/fleetscope.token";

describe("dashboards/prometheus", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir("dashboards");
    await writeFile(join(dir.path, "fleetscope.token"), "fst_example\n", { mode: 0o600 });
  });
  afterAll(() => dir?.remove());

  it("has scrape configurations, the aggregator's with a bearer token on every job", async () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    const aggregator = await readFile(join(DIR, "fleetscope-scrape.yml"), "utf8");
    expect(aggregator.match(/- job_name:/g)?.length).toBe(2);
    expect(aggregator.match(new RegExp(`credentials_file: ${TOKEN_FILE}$`, "gm"))?.length).toBe(2);
  });
  it.each(files)("%s passes promtool check config", async (file) => {
    const text = (await readFile(join(DIR, file), "utf8")).replaceAll(
      TOKEN_FILE,
      join(dir.path, "fleetscope.token"),
    );
    const checked = join(dir.path, file);
    await writeFile(checked, text);
    const { code, output } = await runWithInput(PROMTOOL, ["check", "config", checked], "");
    expect(output).toMatch(/SUCCESS/);
    expect(code).toBe(0);
  });
});
