// The shipped Prometheus configurations are valid for a real Prometheus: promtool checks them.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROMTOOL, runWithInput } from "../helpers/run.ts";
import { REPO } from "../helpers/stack.ts";

const DIR = join(REPO, "dashboards", "prometheus");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));

describe("dashboards/prometheus", () => {
  it("has scrape configurations", () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });
  it.each(files)("%s passes promtool check config", async (file) => {
    const { code, output } = await runWithInput(PROMTOOL, ["check", "config", join(DIR, file)], "");
    expect(output).toMatch(/SUCCESS/);
    expect(code).toBe(0);
  });
});
