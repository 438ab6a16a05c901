import { createHash } from "node:crypto";
import type { IngestResult } from "../../protocol/api/ops.ts";
import {
  type BatchHeader,
  type BatchLimits,
  decodeBatch,
  SMALL_BATCH_RECORDS,
} from "../../protocol/batch.ts";
import { nowRfc3339 } from "../../protocol/time.ts";
import type { AggregatorMetrics } from "../metrics.ts";
import type { Store, Table } from "../store/store.ts";
import type { CollectorIds } from "./collector-ids.ts";
import { RecordError, toRow } from "./to-row.ts";

const MAX_ERRORS_REPORTED = 20;

/** A batch's committed rows by table, for who listens (the incident detector wakes on a death). */
export type StoredRows = ReadonlyMap<Table, readonly Record<string, unknown>[]>;

/** Who sent a batch: its token (dedup and collector ids are scoped to it) and the log set it tags. */
export interface BatchSender {
  tokenId: string;
  logSet: string;
  /** The sending collector's id and process (see COLLECTOR_ID_HEADER), when it names them. */
  collector?: { id: string; instance: string };
}

/**
 * The batch's deduplication token: the id a collector gave it, scoped to the token that sent it,
 * the host it is for and the collector process that wrote it. Collector ids are not secret, so
 * a batch id alone would let any sender suppress another host's batches by sending its ids first;
 * and two collectors sharing a copied spool number their batches alike. A batch sent again keeps
 * all four (the header travels in the spooled bytes), so a replay is still dropped.
 */
export function dedupToken(sender: BatchSender, header: BatchHeader): string {
  const scope = [sender.tokenId, header.host, header.instance ?? "", header.batchId].join("\u0000");
  return createHash("sha256").update(scope).digest("hex");
}

/**
 * Stores one collector batch. Returns only after every table has committed its rows, which is
 * what makes the ack meaningful. Every row is tagged with the sender's log set; the batch's
 * dedupToken makes a batch sent again (its ack was lost) stored once.
 */
export async function ingestBatch(
  store: Store,
  body: Buffer,
  {
    gzipped,
    limits,
    onStored,
  }: { gzipped: boolean; limits?: BatchLimits; onStored?: (rows: StoredRows) => void },
  metrics: AggregatorMetrics,
  sender: BatchSender,
  collectors: CollectorIds,
): Promise<IngestResult> {
  const { header, lines } = await decodeBatch(body, { gzipped, limits });
  // Throws DuplicateCollector (409) before anything of the batch is stored.
  if (sender.collector)
    collectors.check(sender.tokenId, sender.collector.id, header.host, sender.collector.instance);
  const byTable = new Map<Table, Record<string, unknown>[]>();
  const errors: string[] = [];
  let rejected = 0;
  const received = nowRfc3339(); // the time a record with an impossible one is stored with
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const { table, row, kind, retimed } = toRow(line, received);
      if (retimed) metrics.retimedRecords.inc({ kind });
      row.log_set = sender.logSet; // the token's, whatever the record says
      const rows = byTable.get(table) ?? [];
      if (rows.length === 0) byTable.set(table, rows);
      rows.push(row);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      rejected++;
      if (errors.length < MAX_ERRORS_REPORTED) errors.push(`record ${i + 1}: ${err.message}`);
    }
  });
  const end = metrics.insertSeconds.startTimer();
  // A small batch (a few quiet containers' lines, sent ahead of a flood's) goes ahead of big inserts too.
  const small = lines.length <= SMALL_BATCH_RECORDS;
  for (const [table, rows] of byTable) {
    const settings = {
      insert_deduplication_token: dedupToken(sender, header),
      date_time_input_format: "best_effort",
    };
    await store.insertRows(table, rows, settings, small);
    metrics.rows.inc({ table }, rows.length);
  }
  end();
  onStored?.(byTable);
  metrics.rejectedRecords.inc(rejected);
  return { batchId: header.batchId, accepted: lines.length - rejected, rejected, errors };
}
