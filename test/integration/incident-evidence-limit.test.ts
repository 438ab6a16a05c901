// A detector run reads at most EVENTS_LIMIT events of the hour: the newest, oldest first. A fleet
// with more lifecycle events than that in an hour must not hide its latest deaths from the full
// run. Real chDB on a temp directory.
import { describe, expect, it } from "vitest";
import { DEFAULT_DETECTOR } from "../../aggregator/incidents/detector.ts";
import { EVENTS_LIMIT, LOADERS } from "../../aggregator/incidents/evidence.ts";
import { toChTime } from "../../aggregator/query/window.ts";
import { useEmbeddedStore } from "../helpers/embedded-store.ts";

describe("the detector's events", () => {
  const db = useEmbeddedStore("incident-evidence-limit");

  it("are the newest EVENTS_LIMIT of the hour, oldest first, when there are more", async () => {
    const now = Date.now();
    const n = EVENTS_LIMIT + 10;
    // One start a few ms apart, the newest 10 s ago; the last ten are what must not be lost.
    const rows = Array.from({ length: n }, (_, i) => ({
      time: toChTime(BigInt(now - 10_000 - (n - 1 - i) * 20) * 1_000_000n),
      host: "limit",
      type: "container",
      action: "start",
      container_id: String(i).padStart(64, "0"),
      container_name: `c${i}`,
      image: "i",
      attributes: {},
    }));
    await db.store.insertRows("events", rows, { insert_deduplication_token: "evidence-limit" });
    const events = await LOADERS.events(db.store, DEFAULT_DETECTOR);
    expect(events).toHaveLength(EVENTS_LIMIT);
    expect(events.at(-1)?.containerName).toBe(`c${n - 1}`);
    expect(events[0]?.containerName).toBe(`c${n - EVENTS_LIMIT}`);
    const times = events.map((e) => Date.parse(e.time));
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
  });
});
