import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { CollectorIds } from "../../aggregator/ingest/collector-ids.ts";
import { ingestBatch } from "../../aggregator/ingest/ingest.ts";
import { createAggregatorMetrics } from "../../aggregator/metrics.ts";
import type { Store } from "../../aggregator/store/store.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import { apiFetch } from "./api.ts";

/**
 * Stores records in an open store through the aggregator's ingest (as one batch of the 'default'
 * log set), for tests that hold the store in-process; `onStored` is told what was committed.
 */
export async function storeRecords(
  store: Store,
  records: FleetRecord[],
  onStored?: (rows: ReadonlyMap<string, readonly Record<string, unknown>[]>) => void,
): Promise<void> {
  const header = { v: 1, batchId: randomUUID(), collectorId: "test", host: "test", count: records.length };
  const body = [header, ...records].map((r) => JSON.stringify(r)).join("\n");
  const result = await ingestBatch(
    store,
    Buffer.from(body),
    { gzipped: false, ...(onStored ? { onStored } : {}) },
    createAggregatorMetrics(),
    { tokenId: "test", logSet: "default" },
    new CollectorIds(),
  );
  if (result.rejected !== 0)
    throw new Error(`ingest rejected records: ${JSON.stringify(result).slice(0, 2000)}`);
}

/**
 * Posts records as one collector batch (gzip NDJSON) and checks every one was stored; with the
 * token remembered for `url` (its admin token) unless one is given.
 */
export async function postBatch(url: string, records: FleetRecord[], token?: string): Promise<void> {
  const header = {
    v: 1,
    batchId: `test-${randomUUID()}`,
    collectorId: "test",
    host: "test",
    count: records.length,
  };
  const body = [JSON.stringify(header), ...records.map((r) => JSON.stringify(r))].join("\n");
  const res = await apiFetch(url, "/api/v1/ingest", {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
    body: gzipSync(body),
    ...(token ? { token } : {}),
  });
  const ack = (await res.json()) as { accepted?: number; rejected?: number; errors?: string[] };
  if (!res.ok || ack.rejected !== 0)
    throw new Error(`ingest: ${res.status} ${JSON.stringify(ack).slice(0, 2000)}`);
}

/** What ingest answered a batch: its status and ack (or error). */
export interface IngestAnswer {
  status: number;
  body: { accepted?: number; rejected?: number; errors?: string[]; error?: string };
}

/**
 * Posts raw NDJSON record lines as one batch, whatever they hold (a test of what ingest does with
 * bad records), and returns the answer without judging it.
 */
export async function postLines(url: string, lines: string[]): Promise<IngestAnswer> {
  const header = {
    v: 1,
    batchId: `test-${randomUUID()}`,
    collectorId: "test",
    host: "test",
    count: lines.length,
  };
  const res = await apiFetch(url, "/api/v1/ingest", {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
    body: gzipSync([JSON.stringify(header), ...lines].join("\n")),
  });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

/**
 * Posts records as one batch with the batch header and request headers a test chooses (the host
 * and batch id of the header, the sending token, a collector's identity headers) and returns the
 * answer without judging it.
 */
export async function sendBatch(
  url: string,
  records: FleetRecord[],
  opts: { token?: string; host?: string; batchId?: string; headers?: Record<string, string> } = {},
): Promise<IngestAnswer> {
  const header = {
    v: 1,
    batchId: opts.batchId ?? `test-${randomUUID()}`,
    collectorId: "test",
    host: opts.host ?? "test",
    count: records.length,
  };
  const res = await apiFetch(url, "/api/v1/ingest", {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip", ...opts.headers },
    body: gzipSync([header, ...records].map((r) => JSON.stringify(r)).join("\n")),
    ...(opts.token ? { token: opts.token } : {}),
  });
  return { status: res.status, body: JSON.parse(await res.text()) };
}
