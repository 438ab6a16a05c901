// fleetscope itself: is the pipeline keeping up? Records read/shipped/dropped per source, the
// spool, ship latency, the aggregator's ingest rate and refusals, and the store's disk — from the
// aggregator's /metrics (and standalone collectors' /metrics), mostly through the shipped recording rules.
import { type Dashboard, dashboard, stat, timeseries } from "./common.ts";

export function fleetscopeDashboard(): Dashboard {
  return dashboard(
    "fleetscope-self",
    "fleetscope / fleetscope itself",
    "The health of fleetscope's own pipeline.",
  )
    .withPanel(
      stat("Store disk free", "bytes", { expr: "min(fleetscope_aggregator_store_disk_free_bytes)" }, 8),
    )
    .withPanel(
      stat(
        "Store disk used",
        "percentunit",
        {
          expr: "max(1 - fleetscope_aggregator_store_disk_free_bytes / fleetscope_aggregator_store_disk_total_bytes)",
        },
        8,
      ),
    )
    .withPanel(
      stat("Batches spooled", "short", { expr: 'sum(fleetscope_collector_spool{what="batches"})' }, 8),
    )
    .withPanel(
      timeseries("Records read per source", "rps", [
        {
          expr: "sum by (instance, source) (fleetscope_collector:records_read:rate5m)",
          legend: "{{instance}} {{source}}",
        },
      ]),
    )
    .withPanel(
      timeseries("Records shipped and dropped per source", "rps", [
        {
          expr: "sum by (instance, source) (fleetscope_collector:records_shipped:rate5m)",
          legend: "{{instance}} {{source}} shipped",
        },
        // A counter appears at its first drop; `or` draws the healthy zero instead of "No data".
        {
          expr: "sum by (instance, source) (fleetscope_collector:records_dropped:rate5m) or sum by (instance) (fleetscope_collector:records_shipped:rate5m) * 0",
          legend: "{{instance}} {{source}} dropped",
        },
      ]),
    )
    .withPanel(
      timeseries("Spool", "bytes", [
        { expr: 'fleetscope_collector_spool{what="bytes"}', legend: "{{instance}} bytes" },
      ]),
    )
    .withPanel(
      timeseries("Ship latency (p90)", "s", [
        { expr: "fleetscope_collector:ship_duration_seconds:p90_5m", legend: "{{instance}} send to ack" },
        { expr: "fleetscope_aggregator:insert_duration_seconds:p90_5m", legend: "{{instance}} store insert" },
      ]),
    )
    .withPanel(
      timeseries("Ingest rate", "rps", [
        {
          expr: "sum by (instance, table) (fleetscope_aggregator:rows:rate5m)",
          legend: "{{instance}} {{table}}",
        },
      ]),
    )
    .withPanel(
      timeseries("Ingest errors", "short", [
        {
          expr: "sum by (instance, outcome) (rate(fleetscope_aggregator_batches_total[$__rate_interval]))",
          legend: "{{instance}} batches {{outcome}}",
        },
        {
          expr: "rate(fleetscope_aggregator_rejected_records_total[$__rate_interval])",
          legend: "{{instance}} records rejected",
        },
        {
          expr: "rate(fleetscope_aggregator_insert_failures_total[$__rate_interval])",
          legend: "{{instance}} insert failures",
        },
      ]),
    )
    .build();
}
