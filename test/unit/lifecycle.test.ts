// Who started a container, replayed on the captured event stream (test/fixtures/incidents) with
// the RestartCount values inspect can return a moment after each event.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ContainerInfo } from "../../collector/docker/container-info.ts";
import {
  type DockerEvent,
  toEventRecord,
} from "../../collector/sources/docker-events/docker-events-source.ts";
import { Lifecycle } from "../../collector/sources/docker-events/lifecycle.ts";

const events = readFileSync(new URL("../fixtures/incidents/docker-events.ndjson", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((line) =>
    toEventRecord(JSON.parse(line) as DockerEvent, BigInt(/"timeNano":(\d+)/.exec(line)?.[1] ?? 0), "vm", {
      get: () => undefined,
    }),
  );
const loop = events.filter((e) => e.containerName === "fx-loop");
const info = (restartCount: number) =>
  ({ restartCount, restartPolicy: "always", startedAt: "" }) as ContainerInfo;
const nano = (t: string) => BigInt(Date.parse(t)) * 1_000_000n;

/** Replays fx-loop's events; `inspectCounts` is what inspect returns at each start, in order. */
function replay(inspectCounts: number[]) {
  const lifecycle = new Lifecycle();
  const counts = [...inspectCounts];
  return loop.map((e) => {
    const r = structuredClone(e);
    lifecycle.annotate(
      r,
      nano(r.time),
      r.action === "start" ? info(counts.shift() ?? 0) : info(0),
      undefined,
    );
    return r;
  });
}

describe("Lifecycle", () => {
  // Captured: docker run, 3 daemon restarts, a 4th the daemon had pending when the policy
  // was switched off, then a person's `docker start` (test/fixtures/incidents/SOURCE.md).
  it.each([
    ["inspect keeps up", [0, 1, 2, 3, 4, 0]],
    // Each inspect already sees the next restart; the person's start is followed by one too.
    ["inspect lags a fast crash loop by a restart", [1, 2, 3, 4, 5, 1]],
  ])("tells the daemon's restarts from a person's starts when %s", (_when, counts) => {
    const starts = replay(counts).filter((e) => e.action === "start");
    expect(starts.map((e) => e.attributes.startedBy)).toEqual([
      "user",
      "daemon",
      "daemon",
      "daemon",
      "daemon",
      "user",
    ]);
  });

  it("measures how long each run lasted and notes the restart policy on the die", () => {
    const dies = replay([0, 1, 2, 3, 4, 0]).filter((e) => e.action === "die");
    expect(dies).toHaveLength(6);
    for (const d of dies) {
      expect(Number(d.attributes.ranForMs)).toBeGreaterThanOrEqual(0);
      expect(Number(d.attributes.ranForMs)).toBeLessThan(5000);
      expect(d.attributes.restartPolicy).toBe("always");
    }
  });
});
