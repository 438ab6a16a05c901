import { describe, expect, it } from "vitest";
import { evaluatePerLogSet } from "../../aggregator/incidents/detector.ts";
import { DEFAULT_RULE_SETTINGS } from "../../aggregator/incidents/registry.ts";

const die = (logSet: string, at: string) => ({
  logSet,
  time: at,
  host: "h1",
  action: "die",
  containerId: "c".repeat(64),
  containerName: "app",
  image: "busybox",
  exitCode: 3,
  attributes: {},
});

describe("incidents per log set", () => {
  it("the same evidence in two log sets makes two incidents, each in its set; 'default' keeps its id", () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const only = evaluatePerLogSet(
      { events: [die("default", at)], unitLogs: [], errorBuckets: [], samples: [] },
      DEFAULT_RULE_SETTINGS,
      Date.now(),
    );
    const both = evaluatePerLogSet(
      { events: [die("default", at), die("tenant", at)], unitLogs: [], errorBuckets: [], samples: [] },
      DEFAULT_RULE_SETTINGS,
      Date.now(),
    );
    const exits = both.filter((d) => d.kind === "exit");
    expect(exits.map((d) => d.logSet).sort()).toEqual(["default", "tenant"]);
    expect(new Set(exits.map((d) => d.id)).size).toBe(2);
    expect(exits.find((d) => d.logSet === "default")?.id).toBe(only.find((d) => d.kind === "exit")?.id);
    // The facts the rules saw carry no log set: stored evidence is as before.
    expect(JSON.stringify(exits.map((d) => d.evidence))).not.toContain("logSet");
  });
});
