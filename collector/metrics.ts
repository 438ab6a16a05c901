import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { InputIssue } from "./input-issues.ts";
import type { SpoolStats } from "./spool/spool.ts";

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;

/**
 * fleetscope_collector_* self-metrics. Labels are bounded: source and component names, HTTP
 * statuses, and the fixed stages and reasons each component declares.
 */
export function createCollectorMetrics(spoolStats: () => SpoolStats) {
  const registry = new Registry();
  const r = [registry];
  const metrics = {
    registry,
    recordsRead: new Counter({
      name: "fleetscope_collector_records_read_total",
      help: "Records read by each source and handed to the spool.",
      labelNames: ["source"],
      registers: r,
    }),
    recordsShipped: new Counter({
      name: "fleetscope_collector_records_shipped_total",
      help: "Records acked by the aggregator, by source.",
      labelNames: ["source"],
      registers: r,
    }),
    recordsDropped: new Counter({
      name: "fleetscope_collector_records_dropped_total",
      help: "Records deleted unsent because the spool was full (drop-oldest policy), by source.",
      labelNames: ["source"],
      registers: r,
    }),
    batchesShipped: new Counter({
      name: "fleetscope_collector_batches_shipped_total",
      help: "Batches acked by the aggregator.",
      registers: r,
    }),
    shipFailures: new Counter({
      name: "fleetscope_collector_ship_failures_total",
      help: "Batch sends that were not acked, by HTTP status or 'network'.",
      labelNames: ["reason"],
      registers: r,
    }),
    spoolWriteFailures: new Counter({
      name: "fleetscope_collector_spool_write_failures_total",
      help: "Batch writes the spool refused and the pipeline retried (records held, sources paused meanwhile), by reason: no-space (disk full or below --spool-min-free), too-many-open-files, io, read-only, other.",
      labelNames: ["reason"],
      registers: r,
    }),
    batchesSetAside: new Counter({
      name: "fleetscope_collector_batches_set_aside_total",
      help: "Spooled batches the aggregator would not take, moved to <spool>/rejected/ so the ones behind them ship, by reason: refused (400, 413, 415, 422: the batch itself is at fault) or failing (kept failing while later batches were acked).",
      labelNames: ["reason"],
      registers: r,
    }),
    failovers: new Counter({
      name: "fleetscope_collector_failovers_total",
      help: "Moves from the aggregator being shipped to on to the next of --aggregator, by reason: network (no connection), timeout, server-error (5xx).",
      labelNames: ["reason"],
      registers: r,
    }),
    aggregatorIndex: new Gauge({
      name: "fleetscope_collector_aggregator_index",
      help: "Which aggregator batches go to: its place in the --aggregator list (or the etcd key's), 0 for the first; -1 while none is known yet.",
      registers: r,
    }),
    shipSeconds: new Histogram({
      name: "fleetscope_collector_ship_duration_seconds",
      help: "Time from sending a batch to its ack.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    spool: new Gauge({
      name: "fleetscope_collector_spool",
      help: "Spool state: batches and bytes on disk, corrupt batches set aside since start, batches moved to rejected/ and deleted from it to keep its bound.",
      labelNames: ["what"],
      registers: r,
      collect() {
        const s = spoolStats();
        this.set({ what: "batches" }, s.batches);
        this.set({ what: "bytes" }, s.bytes);
        this.set({ what: "corrupt_batches" }, s.corruptBatches);
        this.set({ what: "rejected_batches" }, s.rejectedBatches);
        this.set({ what: "rejected_dropped" }, s.rejectedDropped);
      },
    }),
  };
  return { ...metrics, ...inputMetrics(r) };
}

/** What the sources, receivers and the pipeline could not take whole: skipped, dropped, cut. */
function inputMetrics(r: Registry[]) {
  const metrics = {
    inputRejected: new Counter({
      name: "fleetscope_collector_input_rejected_total",
      help: "Input a source or receiver could not frame, decode or parse, skipped one message at a time, by component, stage and reason (the collector's log has each).",
      labelNames: ["component", "stage", "reason"],
      registers: r,
    }),
    inputDropped: new Counter({
      name: "fleetscope_collector_input_dropped_total",
      help: "Well-formed input a source or receiver dropped at one of its limits or timeouts, by component, stage and reason.",
      labelNames: ["component", "stage", "reason"],
      registers: r,
    }),
    samplesSkipped: new Counter({
      name: "fleetscope_collector_samples_skipped_total",
      help: "Container readings not taken because the container's own cgroup could not be read, by reason (cgroup-gone: it stopped; no-process: its processes exited; not-running: the Docker API says so).",
      labelNames: ["source", "reason"],
      registers: r,
    }),
    recordsRetimed: new Counter({
      name: "fleetscope_collector_records_retimed_total",
      help: "Records given the time they were read because their own was no real time or lay outside 1970 to a day ahead (log and event records keep it in time.original), by kind.",
      labelNames: ["kind"],
      registers: r,
    }),
    attributesCut: new Counter({
      name: "fleetscope_collector_attributes_cut_total",
      help: "Attribute and label entries cut or left out to stay within what the aggregator accepts of one record, by record kind.",
      labelNames: ["kind"],
      registers: r,
    }),
    truncatedLines: new Counter({
      name: "fleetscope_collector_truncated_lines_total",
      help: "Log lines cut to --max-line-size (marked, with fleetscope.truncated_bytes = their original size), by source.",
      labelNames: ["source"],
      registers: r,
    }),
  };
  return {
    ...metrics,
    /** Counts `count` pieces of input `component` could not use, in the counter its outcome names. */
    skippedInput(component: string, issue: InputIssue, count: number): void {
      const counter = issue.outcome === "rejected" ? metrics.inputRejected : metrics.inputDropped;
      counter.inc({ component, stage: issue.stage, reason: issue.reason }, count);
    },
  };
}
