// The shipped Prometheus configurations are valid for a real Prometheus: promtool checks them,
// with the token file they name present (as an operator puts it there). The rules pass
// `promtool check rules` and their unit tests, which cover every alert both ways.
import { readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROMTOOL, runWithInput } from "../helpers/run.ts";
import { REPO, tempDir } from "../helpers/stack.ts";

const DIR = join(REPO, "dashboards", "prometheus");
const files = readdirSync(DIR).filter((f) => f.endsWith("-scrape.yml"));
const RULES = join(DIR, "rules.yml");
const RULES_TEST = join(DIR, "rules.test.yml");
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

  it("has rules promtool checks and whose unit tests pass", async () => {
    const checked = await runWithInput(PROMTOOL, ["check", "rules", RULES], "");
    expect(checked.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(checked.code).toBe(0);
    const tested = await runWithInput(PROMTOOL, ["test", "rules", RULES_TEST], "");
    expect(tested.output).toMatch(/SUCCESS/);
    expect(tested.code).toBe(0);
  });

  it("tests every alert firing and staying quiet, each with a severity, summary, description and for", async () => {
    const alerts = alertRules(parse(await readFile(RULES, "utf8")) as RuleFile);
    expect(alerts.length).toBeGreaterThanOrEqual(15);
    for (const a of alerts) {
      expect(a.labels?.severity, a.alert).toMatch(/^(critical|warning)$/);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      expect(a.for, a.alert).toMatch(/^\d+[smh]$/);
    }
    const cases = (parse(await readFile(RULES_TEST, "utf8")) as RuleTestFile).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    );
    const untested = alerts
      .map((a) => a.alert)
      .filter((name) => {
        const mine = cases.filter((c) => c.alertname === name);
        return !mine.some((c) => c.exp_alerts.length > 0) || !mine.some((c) => c.exp_alerts.length === 0);
      });
    expect(untested).toEqual([]);
  });
});

interface AlertRule {
  alert: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { rules: (AlertRule | { record: string })[] }[];
}
interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

function alertRules(file: RuleFile): AlertRule[] {
  return file.groups.flatMap((g) => g.rules).filter((r): r is AlertRule => "alert" in r);
}
