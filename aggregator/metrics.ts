import { Counter, Histogram, Registry } from "prom-client";

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;

/** fleetscope_aggregator_* self-metrics. Labels are bounded: table names and fixed reasons. */
export function createAggregatorMetrics() {
  const registry = new Registry();
  const r = [registry];
  return {
    registry,
    batches: new Counter({
      name: "fleetscope_aggregator_batches_total",
      help: "Ingest batches by outcome (stored, rejected, unauthorized).",
      labelNames: ["outcome"],
      registers: r,
    }),
    rows: new Counter({
      name: "fleetscope_aggregator_rows_total",
      help: "Rows handed to the store, by table (a replayed batch is counted again but stored once).",
      labelNames: ["table"],
      registers: r,
    }),
    rejectedRecords: new Counter({
      name: "fleetscope_aggregator_rejected_records_total",
      help: "Records refused at ingest because they failed validation; the rest of their batch is stored.",
      registers: r,
    }),
    insertSeconds: new Histogram({
      name: "fleetscope_aggregator_insert_duration_seconds",
      help: "Time to commit one batch to the store.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
  };
}
