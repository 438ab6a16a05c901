import type { IngestResult } from "../../protocol/api/ops.ts";
import { decodeBatch } from "../../protocol/batch.ts";
import type { AggregatorMetrics } from "../metrics.ts";
import type { Store, Table } from "../store/store.ts";
import { RecordError, toRow } from "./to-row.ts";

const MAX_ERRORS_REPORTED = 20;

/**
 * Stores one collector batch. Returns only after every table has committed its rows, which is
 * what makes the ack meaningful. The batch id is the insert's deduplication token, so a batch
 * sent again (its ack was lost) is not stored twice.
 */
export async function ingestBatch(
  store: Store,
  body: Buffer,
  { gzipped }: { gzipped: boolean },
  metrics: AggregatorMetrics,
): Promise<IngestResult> {
  const { header, lines } = await decodeBatch(body, { gzipped });
  const byTable = new Map<Table, Record<string, unknown>[]>();
  const errors: string[] = [];
  let rejected = 0;
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const { table, row } = toRow(line);
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
  for (const [table, rows] of byTable) {
    await store.client.insert({
      table,
      values: rows,
      format: "JSONEachRow",
      clickhouse_settings: {
        insert_deduplication_token: header.batchId,
        date_time_input_format: "best_effort",
      },
    });
    metrics.rows.inc({ table }, rows.length);
  }
  end();
  metrics.rejectedRecords.inc(rejected);
  return { batchId: header.batchId, accepted: lines.length - rejected, rejected, errors };
}
