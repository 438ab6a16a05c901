// A window that holds more than `limit` samples answers its newest, oldest first: a chart of a
// long window must end now, not `limit` samples after the window began.
import { describe, expect, it } from "vitest";
import type { SamplesAnswer } from "../../protocol/api/containers.ts";
import { postBatch } from "../helpers/ingest.ts";
import { containerRecord, sampleRecord } from "../helpers/records.ts";
import { getJson, useAggregator } from "../helpers/stack.ts";

const HOST = "samples-limit";
const ID = "5".repeat(64);

describe("a container's samples with a limit", () => {
  const agg = useAggregator("samples-limit");

  it("are the newest `limit` of the window, oldest first", async () => {
    const now = Date.now();
    const times = Array.from({ length: 10 }, (_, i) => new Date(now - (10 - i) * 10_000).toISOString());
    await postBatch(agg.url, [
      containerRecord({
        host: HOST,
        containerId: ID,
        containerName: "limited",
        time: new Date(now).toISOString(),
      }),
      ...times.map((time, i) =>
        sampleRecord({ host: HOST, containerId: ID, containerName: "limited", time, pids: i + 1 }),
      ),
    ]);
    const answer = await getJson<SamplesAnswer>(agg.url, `/api/v1/containers/${ID}/samples?since=1h&limit=3`);
    expect(answer.samples.map((s) => s.pids)).toEqual([8, 9, 10]);
    expect(answer.samples.map((s) => Date.parse(s.time))).toEqual(times.slice(-3).map((t) => Date.parse(t)));
  });
});
