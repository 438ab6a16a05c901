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
/**
 * HTTP headers naming the collector sending a batch: its current collector id and a random id of
 * its process. The aggregator refuses a second running collector using the same id (a copied
 * spool), and the refused one takes a new id. The batch header keeps the writer's own ids.
 */
export const COLLECTOR_ID_HEADER = "x-fleetscope-collector-id";
export const INSTANCE_HEADER = "x-fleetscope-instance";
export const BATCH_FORMAT_VERSION = 1;

export const BatchHeader = Type.Object({
  v: Type.Number({ description: "format version (BATCH_FORMAT_VERSION)" }),
  batchId: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "unique forever: `<collectorId>-<seq>`; the store drops a batch id it has already stored",
  }),
  collectorId: Type.String(),
  instance: Type.Optional(
    Type.String({
      maxLength: 64,
      description:
        "random per collector process, set when the batch is written: tells a restart (the old one stops sending) from a second collector using the same id",
    }),
  ),
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
  groupEnd: Type.Optional(
    Type.Number({
      description:
        "the sequence number of the last batch written with this one (one read cut in several); only that one carries the cursors. The aggregator ignores it",
    }),
  ),
});
export type BatchHeader = Static<typeof BatchHeader>;

// What the aggregator needs of a header to store the batch; the rest is the collector's.
const checkBatchId = TypeCompiler.Compile(Type.Pick(BatchHeader, ["batchId"]));
const checkHost = TypeCompiler.Compile(Type.Pick(BatchHeader, ["host"]));
const checkInstance = TypeCompiler.Compile(Type.Pick(BatchHeader, ["instance"]));

export async function encodeBatch(header: BatchHeader, records: readonly FleetRecord[]): Promise<Buffer> {
  const lines = [JSON.stringify(header)];
  for (const r of records) lines.push(JSON.stringify(r));
  return gzipAsync(`${lines.join("\n")}\n`, { level: 3 });
}

export class BatchFormatError extends Error {}

/** How big a batch a receiver takes: decompressed bytes and records (the header line not counted). */
export interface BatchLimits {
  maxBytes: number;
  maxRecords: number;
}

/**
 * What the aggregator accepts by default (--max-batch-bytes, --max-batch-records): well above a
 * collector's batches (about 20,000 records and 8 MB when one read of a container's log file
 * lands in one batch), far below what a small gzip body can inflate to.
 */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBytes: 32 * 1024 * 1024, maxRecords: 100_000 };

/**
 * A batch of at most this many records is small (about one read of quiet containers' lines): the
 * collector sends it ahead of big ones waiting (a flood's), and the embedded store inserts its
 * rows ahead of bigger inserts waiting.
 */
export const SMALL_BATCH_RECORDS = 500;

/** A batch over the receiver's limits: refused whole (HTTP 413), never partly inflated past them. */
export class BatchTooLarge extends Error {
  readonly statusCode = 413;
}

/** The decompressed bytes, stopping at `maxBytes` instead of inflating all of a hostile body. */
async function inflate(body: Buffer, gzipped: boolean, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new BatchTooLarge(
      `the batch is larger than ${maxBytes} bytes decompressed (--max-batch-bytes on the aggregator); send smaller batches`,
    );
  if (!gzipped) {
    if (body.length > maxBytes) throw tooLarge();
    return body;
  }
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    throw new BatchFormatError(`batch body is not valid gzip: ${err}`);
  }
}

/**
 * Decompresses and splits a batch. Records stay as raw lines: the receiver validates each one
 * on its own, so one bad record does not cost the rest of the batch.
 */
export async function decodeBatch(
  body: Buffer,
  {
    gzipped = true,
    limits = { maxBytes: 256 * 1024 * 1024, maxRecords: Number.POSITIVE_INFINITY },
  }: { gzipped?: boolean; limits?: BatchLimits } = {},
): Promise<{ header: BatchHeader; lines: string[] }> {
  const text = (await inflate(body, gzipped, limits.maxBytes)).toString("utf8");
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length - 1 > limits.maxRecords)
    throw new BatchTooLarge(
      `the batch has ${lines.length - 1} records; the aggregator takes at most ${limits.maxRecords} (--max-batch-records); send smaller batches`,
    );
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
  if (!checkInstance.Check(header))
    throw new BatchFormatError(
      "batch header's instance, when given, must be a string of at most 64 characters",
    );
  if (typeof header.collectorId !== "string") header.collectorId = ""; // older senders may omit it
  return { header, lines };
}
