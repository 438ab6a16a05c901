// A death wakes the incident detector for a run over only the dying containers' evidence
// (detector.ts): it must write their incidents exactly as a full run would, and nothing of other
// containers. Real chDB on a temp directory, the records stored through the aggregator's ingest.
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { IncidentDetector } from "../../aggregator/incidents/detector.ts";
import type { EventRecord } from "../../protocol/records.ts";
import { useEmbeddedStore } from "../helpers/embedded-store.ts";
import { storeRecords } from "../helpers/ingest.ts";
import { eventRecord } from "../helpers/records.ts";

const idOf = (c: string) => c.repeat(64);

/** `deaths` deaths (exit 1) a minute apart, the last 10 s ago, each after its start. */
function dying(host: string, c: string, image: string, deaths: number): EventRecord[] {
  const event = (action: string, msAgo: number): EventRecord =>
    eventRecord({
      time: new Date(Date.now() - msAgo).toISOString(),
      host,
      action,
      containerId: idOf(c),
      containerName: `app-${c}`,
      image,
      exitCode: action === "die" ? 1 : null,
    });
  return Array.from({ length: deaths }, (_, i) => [
    event("start", 10_000 + (deaths - i) * 60_000 - 30_000),
    event("die", 10_000 + (deaths - 1 - i) * 60_000),
  ]).flat();
}

describe("the detector's run over dying containers", () => {
  const embedded = useEmbeddedStore("incident-focused-run");
  beforeAll(async () => {
    await storeRecords(embedded.store, [
      // One image crash-looping on two hosts (a fleet incident), and another container's exit on
      // the first host.
      ...dying("h1", "a", "app:bad", 3),
      ...dying("h2", "b", "app:bad", 3),
      ...dying("h1", "c", "app:other", 1),
    ]);
  });

  it("writes the dying container's incidents as the full run finds them, and no one else's", async () => {
    const detector = new IncidentDetector(embedded.store, pino({ level: "silent" }));
    const focused = await detector.tick({ hosts: ["h1"], containerIds: [idOf("a")] });
    expect(new Set(focused.map((i) => i.containerId))).toEqual(new Set([idOf("a")]));
    expect(focused.map((i) => i.kind).sort()).toEqual(["crash-loop", "exit", "exit", "exit"]);

    // The full run finds the rest; what it finds of container a equals what was written, so
    // nothing of it is written again.
    const full = await detector.tick();
    expect(full.map((i) => i.kind).sort()).toEqual(["crash-loop", "exit", "exit", "exit", "exit", "fleet"]);
    expect(full.filter((i) => i.containerId === idOf("a"))).toEqual([]);
    expect(await detector.tick()).toEqual([]);
  });
});
