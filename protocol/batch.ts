// The wire format between collector and aggregator, which is also the spool's file format:
// gzip-compressed NDJSON, the header on the first line, one record per following line.
// Spooled bytes are shipped as they are, so a batch is compressed once.
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { FleetRecord } from "./records.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const BATCH_CONTENT_TYPE = "application/x-ndjson";
export const BATCH_FORMAT_VERSION = 1;

export interface BatchHeader {
  v: number;
  /** Unique forever: `<collectorId>-<seq>`. The store drops a batch id it has already stored. */
  batchId: string;
  collectorId: string;
  host: string;
  count: number;
  /** Collector-local source positions after this batch; the aggregator ignores them. */
  cursors?: Record<string, unknown>;
  /** Records per collector source in this batch (for the collector's per-source counters). */
  sources?: Record<string, number>;
}

export async function encodeBatch(header: BatchHeader, records: readonly FleetRecord[]): Promise<Buffer> {
  const lines = [JSON.stringify(header)];
  for (const r of records) lines.push(JSON.stringify(r));
  return gzipAsync(`${lines.join("\n")}\n`, { level: 3 });
}

export class BatchFormatError extends Error {}

/**
 * Decompresses and splits a batch. Records stay as raw lines: the receiver validates each one
 * on its own, so one bad record does not cost the rest of the batch.
 */
export async function decodeBatch(
  body: Buffer,
  { gzipped = true, maxBytes = 256 * 1024 * 1024 }: { gzipped?: boolean; maxBytes?: number } = {},
): Promise<{ header: BatchHeader; lines: string[] }> {
  let text: string;
  try {
    text = (gzipped ? await gunzipAsync(body, { maxOutputLength: maxBytes }) : body).toString("utf8");
  } catch (err) {
    throw new BatchFormatError(`batch body is not valid gzip (or inflates past ${maxBytes} bytes): ${err}`);
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const first = lines.shift();
  let header: BatchHeader;
  try {
    header = JSON.parse(first ?? "");
  } catch {
    throw new BatchFormatError("the first line of a batch must be its JSON header");
  }
  if (typeof header?.batchId !== "string" || header.batchId.length === 0 || header.batchId.length > 200) {
    throw new BatchFormatError("batch header needs a batchId string of 1–200 characters");
  }
  if (typeof header.host !== "string") throw new BatchFormatError("batch header needs a host string");
  return { header, lines };
}
