// The ingest endpoint on its own: acks after commit, drops a replayed batch id, rejects bad
// records one by one (storing the rest), refuses wrong tokens and counts all of it in /metrics.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { apiFetch, createToken } from "../helpers/api.ts";
import { logRecord } from "../helpers/log-record.ts";
import { getJson, useAggregator } from "../helpers/stack.ts";

function logLine(i: number, marker: string) {
  return JSON.stringify(
    logRecord({
      time: `2026-11-22T01:00:00.${String(i).padStart(9, "0")}Z`,
      host: "ingest-host",
      containerName: marker,
      severityNumber: 9,
      severityText: "INFO",
      body: `${marker} ${i}`,
      seq: i,
    }),
  );
}

describe("ingest API", () => {
  const agg = useAggregator("ingest");
  /** An ingest token, as a collector holds. */
  let ingestToken: Promise<string> | undefined;

  const post = async (body: string, { token, gzip = true }: { token?: string; gzip?: boolean } = {}) => {
    ingestToken ??= createToken(agg.url, { role: "ingest" }).then((t) => t.secret);
    return apiFetch(agg.url, "/api/v1/ingest", {
      method: "POST",
      headers: {
        "content-type": "application/x-ndjson",
        ...(gzip ? { "content-encoding": "gzip" } : {}),
      },
      body: gzip ? gzipSync(body) : body,
      token: token ?? (await ingestToken),
    });
  };
  const stored = async (marker: string) =>
    (
      await getJson<{ logs: LogLine[] }>(
        agg.url,
        `/api/v1/logs?container=${marker}&since=2026-11-22T00:00:00Z&limit=1000`,
      )
    ).logs;

  it("stores a batch once even when it is sent twice", async () => {
    const marker = "replayed";
    const body = [
      JSON.stringify({ v: 1, batchId: "test-replay-1", collectorId: "t", host: "ingest-host", count: 3 }),
      logLine(1, marker),
      logLine(2, marker),
      logLine(3, marker),
    ].join("\n");
    for (let i = 0; i < 2; i++) {
      const res = await post(body);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ batchId: "test-replay-1", accepted: 3, rejected: 0 });
    }
    expect((await stored(marker)).map((l) => l.body).sort()).toEqual([
      `${marker} 1`,
      `${marker} 2`,
      `${marker} 3`,
    ]);
  });

  it("rejects bad records alone, says why, and stores the rest", async () => {
    const marker = "mixed";
    const body = [
      JSON.stringify({ v: 1, batchId: "test-mixed-1", collectorId: "t", host: "ingest-host", count: 5 }),
      logLine(1, marker),
      "{not json",
      JSON.stringify({ kind: "log", time: "yesterday" }),
      // A pid past the UInt32 column would be stored wrapped (2^40 → 0) if it were let through.
      JSON.stringify({ ...JSON.parse(logLine(3, marker)), pid: 2 ** 40 }),
      logLine(2, marker),
    ].join("\n");
    const res = await post(body, { gzip: false });
    expect(res.status).toBe(200);
    const ack = await res.json();
    expect(ack).toMatchObject({ accepted: 2, rejected: 3 });
    expect(ack.errors).toEqual([
      "record 2: not valid JSON",
      expect.stringMatching(/^record 3: field "time" must be an RFC 3339/),
      'record 4: field "pid" must be at most 2^32 - 1',
    ]);
    expect((await stored(marker)).map((l) => l.body).sort()).toEqual([`${marker} 1`, `${marker} 2`]);
  });

  it("refuses a wrong token and a body that is not a batch, with messages", async () => {
    const unauthorized = await post("{}", { token: "wrong" });
    expect(unauthorized.status).toBe(401);
    expect((await unauthorized.json()).error).toMatch(/token/);
    const garbage = await apiFetch(agg.url, "/api/v1/ingest", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
      body: "definitely not gzip",
    });
    expect(garbage.status).toBe(400);
    expect((await garbage.json()).error).toMatch(/gzip/);
  });

  it("counts what it stored and refused in /metrics", async () => {
    const text = await (await apiFetch(agg.url, "/metrics")).text();
    expect(text).toMatch(/^fleetscope_aggregator_rejected_records_total 3$/m);
    expect(text).toMatch(/^fleetscope_aggregator_batches_total\{outcome="unauthorized"\} 1$/m);
    expect(text).toMatch(/^fleetscope_aggregator_batches_total\{outcome="rejected"\} 1$/m);
    expect(text).toMatch(/^fleetscope_aggregator_batches_total\{outcome="stored"\} 3$/m);
  });
});
