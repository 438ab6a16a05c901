import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { FleetRecord } from "../../protocol/records.ts";

/** Posts records as one collector batch (gzip NDJSON) and checks every one was stored. */
export async function postBatch(url: string, records: FleetRecord[], token?: string): Promise<void> {
  const header = {
    v: 1,
    batchId: `test-${randomUUID()}`,
    collectorId: "test",
    host: "test",
    count: records.length,
  };
  const body = [JSON.stringify(header), ...records.map((r) => JSON.stringify(r))].join("\n");
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: "POST",
    headers: {
      "content-type": "application/x-ndjson",
      "content-encoding": "gzip",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: gzipSync(body),
  });
  const ack = (await res.json()) as { accepted?: number; rejected?: number; errors?: string[] };
  if (!res.ok || ack.rejected !== 0)
    throw new Error(`ingest: ${res.status} ${JSON.stringify(ack).slice(0, 2000)}`);
}
