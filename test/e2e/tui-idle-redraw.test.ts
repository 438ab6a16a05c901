// An idle `fleetscope top` draws nothing while its polls bring nothing new: each poll whose answer
// would draw what is on screen is skipped (tui/use-poll.ts), and the overview's history buckets
// stay put between samples. A redraw costs a terminal write per changed line, and top sits idle
// in a corner of a screen for hours.
import { beforeAll, describe, expect, it } from "vitest";
import { postBatch } from "../helpers/ingest.ts";
import { useAggregator } from "../helpers/stack.ts";
import { syntheticFleet } from "../helpers/synthetic-fleet.ts";
import { KEYS, renderTop } from "../helpers/tui.ts";
import { waitFor } from "../helpers/wait.ts";

/** The overview's history step (tui/views/containers.ts): a new bucket begins on each multiple. */
const BUCKET_MS = 30_000;

describe("an idle fleetscope top", () => {
  const agg = useAggregator("tui-idle-redraw");
  /** When the synthetic containers were created (20 minutes before they were posted). */
  let createdAt = 0;
  beforeAll(async () => {
    createdAt = Date.now() - 20 * 60_000;
    await postBatch(
      agg.url,
      syntheticFleet(
        Array.from({ length: 12 }, (_, i) => ({
          host: `idle-${i % 3}`,
          name: `idle-${i}`,
          cpu: (i % 4) / 10,
        })),
      ),
    );
  });

  it("draws nothing while ten polls bring nothing new, and draws a key at once", async () => {
    const top = renderTop(agg.url, { intervalMs: 100 });
    try {
      await top.until("idle-11");
      const polls = async (n: number) => {
        const target = top.requests + n;
        await waitFor(`${n} more polls`, () => top.requests >= target || undefined, { intervalMs: 10 });
      };
      // The uptime's minute (counted from the containers' creation) and the history's bucket
      // change now and then: a window that came within a second of either is tried again.
      for (let attempt = 0; ; attempt++) {
        await polls(2);
        const started = Date.now();
        const drawn = top.frames.length;
        await polls(10);
        const ended = Date.now();
        const changes = (period: number, from: number) =>
          Math.floor((started - 1000 - from) / period) !== Math.floor((ended + 1000 - from) / period);
        const crossed = changes(BUCKET_MS, 0) || changes(60_000, createdAt);
        if (crossed && attempt < 3) continue;
        expect(top.frames.length).toBe(drawn);
        top.press(KEYS.down);
        await waitFor("the key's redraw", () => top.frames.length > drawn || undefined, { intervalMs: 10 });
        return;
      }
    } finally {
      top.unmount();
    }
  });
});
