// The wire format between collector and aggregator, which is also the spool's file format:
// gzip-compressed NDJSON, the header on the first line, one record per following line.
// Spooled bytes are shipped as they are, so a batch is compressed once.
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { type Static, Type } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { FleetRecord } from "./records.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const BATCH_CONTENT_TYPE = "application/x-ndjson";
export const BATCH_FORMAT_VERSION = 1;

export const BatchHeader = Type.Object({
  v: Type.Number({ description: "format version (BATCH_FORMAT_VERSION)" }),
  batchId: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "unique forever: `<collectorId>-<seq>`; the store drops a batch id it has already stored",
  }),
  collectorId: Type.String(),
  host: Type.String(),
  count: Type.Number({ description: "records in the batch" }),
  cursors: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: "collector-local source positions after this batch; the aggregator ignores them",
    }),
  ),
  sources: Type.Optional(
    Type.Record(Type.String(), Type.Number(), {
      description: "records per collector source in this batch (for the collector's per-source counters)",
    }),
  ),
});
export type BatchHeader = Static<typeof BatchHeader>;

// What the aggregator needs of a header to store the batch; the rest is the collector's.
const checkBatchId = TypeCompiler.Compile(Type.Pick(BatchHeader, ["batchId"]));
const checkHost = TypeCompiler.Compile(Type.Pick(BatchHeader, ["host"]));

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
  if (!checkBatchId.Check(header)) {
    throw new BatchFormatError("batch header needs a batchId string of 1–200 characters");
  }
  if (!checkHost.Check(header)) throw new BatchFormatError("batch header needs a host string");
  return { header, lines };
}
