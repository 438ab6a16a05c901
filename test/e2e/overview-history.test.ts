// The overview's sparkline buckets start on multiples of their step (Unix time), the newest one
// holding now. Buckets that slid with the clock moved every sample into a different bucket from
// one poll to the next, so `fleetscope top` had a new screen to draw every poll even when no
// sample had arrived; aligned, a bucket changes only when a sample lands in it.
import { describe, expect, it } from "vitest";
import { postBatch } from "../helpers/ingest.ts";
import { containerRecord, sampleRecord } from "../helpers/records.ts";
import { getJson, useAggregator } from "../helpers/stack.ts";

const HOST = "overview-history";
const STEP_MS = 60_000;
const POINTS = 10;
const MiB = 1024 * 1024;

interface Answer {
  containers: { id: string; history: { stepSeconds: number; memoryWorkingSetBytes: (number | null)[] } }[];
}

describe("overview history buckets", () => {
  const agg = useAggregator("overview-history");

  it("puts a sample in the bucket of its step-aligned minute, whenever within that minute it is asked", async () => {
    // A minute boundary passing between posting and asking changes which bucket is newest: the
    // attempt is then repeated with a fresh container (at most a few times, as minutes are long).
    for (let attempt = 0; ; attempt++) {
      const step = Math.floor(Date.now() / STEP_MS);
      const id = `${attempt}`.padStart(64, "a");
      // One sample late in each of the 8 full minutes before this one (59 s into it), each with a
      // working set that names its minute: 101 MiB one minute ago … 108 MiB eight minutes ago.
      const minutesAgo = [1, 2, 3, 4, 5, 6, 7, 8];
      await postBatch(agg.url, [
        containerRecord({
          host: HOST,
          containerId: id,
          containerName: `c${attempt}`,
          time: new Date().toISOString(),
        }),
        ...minutesAgo.map((m) =>
          sampleRecord({
            host: HOST,
            containerId: id,
            containerName: `c${attempt}`,
            time: new Date((step - m) * STEP_MS + 59_000).toISOString(),
            memoryWorkingSetBytes: (100 + m) * MiB,
          }),
        ),
      ]);
      const answer = await getJson<Answer>(
        agg.url,
        `/api/v1/overview/containers?host=${HOST}&history=10m&points=${POINTS}`,
      );
      if (Math.floor(Date.now() / STEP_MS) !== step && attempt < 3) continue;
      const history = answer.containers.find((c) => c.id === id)?.history;
      expect(history?.stepSeconds).toBe(STEP_MS / 1000);
      // Bucket POINTS-1 is this minute (no sample yet), bucket POINTS-1-m the minute m ago.
      expect(history?.memoryWorkingSetBytes).toEqual([
        null,
        ...minutesAgo.map((m) => (100 + m) * MiB).reverse(),
        null,
      ]);
      return;
    }
  });
});
