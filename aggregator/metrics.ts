import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DiskUsage } from "./store/store.ts";

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;

/** fleetscope_aggregator_* self-metrics. Labels are bounded: table names and fixed reasons. */
export function createAggregatorMetrics() {
  const registry = new Registry();
  const r = [registry];
  return {
    registry,
    batches: new Counter({
      name: "fleetscope_aggregator_batches_total",
      help: "Ingest batches by outcome (stored, rejected, unauthorized, duplicate_collector: refused because another running collector uses its collector id).",
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
    retimedRecords: new Counter({
      name: "fleetscope_aggregator_records_retimed_total",
      help: "Records stored with the time they were received because their own was no real time or lay outside 1970 to a day ahead, by kind.",
      labelNames: ["kind"],
      registers: r,
    }),
    authFailures: new Counter({
      name: "fleetscope_aggregator_auth_failures_total",
      help: "Requests refused before their route ran: missing, scheme, invalid or forbidden token, token_in_url, host.",
      labelNames: ["reason"],
      registers: r,
    }),
    insertFailures: new Counter({
      name: "fleetscope_aggregator_insert_failures_total",
      help: "Batches the store failed to commit (the collector keeps and resends them); /healthz reports the last.",
      registers: r,
    }),
    connectionsDropped: new Counter({
      name: "fleetscope_aggregator_connections_dropped_total",
      help: "Connections closed by a listener (api, ingest): on arrival with --max-connections open (cap), or silent past the headers timeout (silent).",
      labelNames: ["listener", "reason"],
      registers: r,
    }),
    lokiTails: new Gauge({
      name: "fleetscope_aggregator_loki_tails",
      help: "Loki tails (/loki/api/v1/tail WebSockets) whose poller runs; back down once a socket closes and its poller has stopped.",
      registers: r,
    }),
    lokiTailDropped: new Counter({
      name: "fleetscope_aggregator_loki_tail_dropped_total",
      help: "Lines a Loki tail did not send because its client read too slowly (told to it as dropped_entries).",
      registers: r,
    }),
    queriesRefused: new Counter({
      name: "fleetscope_aggregator_queries_refused_total",
      help: "Read requests turned away: per_token (429, --max-queries-per-token) or busy (503, --max-queries and its queue full).",
      labelNames: ["reason"],
      registers: r,
    }),
    queriesStopped: new Counter({
      name: "fleetscope_aggregator_queries_stopped_total",
      help: "Store queries stopped before they answered: timeout (--query-timeout), memory (--query-memory), cancelled (the client went away).",
      labelNames: ["reason"],
      registers: r,
    }),
    queriesInFlight: new Gauge({
      name: "fleetscope_aggregator_queries_in_flight",
      help: "Read requests holding a slot (running) or queued for one (waiting).",
      labelNames: ["state"],
      registers: r,
    }),
    notifications: new Counter({
      name: "fleetscope_aggregator_notifications_total",
      help: "Incident notifications by notifier (alertmanager, webhook) and outcome: sent and failed count POSTs, dropped the alerts or changes given up (queue full, retries spent).",
      labelNames: ["notifier", "outcome"],
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

/**
 * fleetscope_aggregator_store_disk_{free,total}_bytes, read from the store at each scrape: the
 * free space /healthz judges, for an alert that needs no node_exporter on the aggregator's host.
 * A store that does not answer keeps the last values (0 would page as a full disk); the insert
 * failures say it is down.
 */
export function registerStoreDisk(registry: Registry, diskUsage: () => Promise<DiskUsage>): void {
  let last: Promise<DiskUsage | undefined> | undefined;
  // Both gauges of one scrape share one query.
  const read = () => {
    last ??= diskUsage()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (last = undefined)));
    return last;
  };
  const gauge = (name: string, help: string, pick: (d: DiskUsage) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const d = await read();
        if (d) this.set(pick(d));
      },
    });
  gauge(
    "fleetscope_aggregator_store_disk_free_bytes",
    "Free bytes on the disks the store writes to (system.disks); /healthz is degraded below --min-free-disk.",
    (d) => d.freeBytes,
  );
  gauge(
    "fleetscope_aggregator_store_disk_total_bytes",
    "Size in bytes of the disks the store writes to (system.disks).",
    (d) => d.totalBytes,
  );
}
