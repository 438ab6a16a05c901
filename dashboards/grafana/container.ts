// Container: one container (or a few) against its limits — CPU and throttling, memory parts,
// network, file I/O, restarts and OOM events — from the aggregator's /metrics/fleet.
import {
  CONTAINER,
  type Dashboard,
  dashboard,
  HOST,
  labelVariable,
  timeseries,
  withAnnotations,
} from "./common.ts";

const ON = `${HOST},${CONTAINER}`;
const BY = "{{host}}/{{name}}";

export function containerDashboard(): Dashboard {
  return withAnnotations(
    dashboard(
      "fleetscope-container",
      "fleetscope / Container",
      "One container against its limits, from fleetscope.",
    ),
    'host=~"$host", container=~"$container"',
  )
    .withVariable(labelVariable("host", "host", "machine_cpu_cores"))
    .withVariable(labelVariable("container", "name", `container_last_seen{${HOST}}`))
    .withPanel(
      timeseries("CPU against limit", "short", [
        { expr: `container:cpu_usage_cores:rate5m{${ON}}`, legend: `${BY} used` },
        { expr: `container:cpu_limit_cores{${ON}}`, legend: `${BY} limit` },
      ]),
    )
    .withPanel(
      timeseries("CPU throttled periods", "percentunit", [
        { expr: `container:cpu_cfs_throttled_periods:ratio5m{${ON}}`, legend: BY },
      ]),
    )
    .withPanel(
      timeseries(
        "Memory against limit",
        "bytes",
        [
          { expr: `container_memory_working_set_bytes{${ON}}`, legend: `${BY} working set` },
          { expr: `container_memory_rss{${ON}}`, legend: `${BY} rss` },
          { expr: `container_memory_cache{${ON}}`, legend: `${BY} cache` },
          { expr: `container_spec_memory_limit_bytes{${ON}} > 0`, legend: `${BY} limit` },
        ],
        24,
      ),
    )
    .withPanel(
      timeseries("Network", "Bps", [
        {
          expr: `sum by (host, name) (rate(container_network_receive_bytes_total{${ON}}[$__rate_interval]))`,
          legend: `${BY} in`,
        },
        {
          expr: `sum by (host, name) (rate(container_network_transmit_bytes_total{${ON}}[$__rate_interval]))`,
          legend: `${BY} out`,
        },
      ]),
    )
    .withPanel(
      timeseries("File I/O", "Bps", [
        {
          expr: `sum by (host, name) (rate(container_fs_reads_bytes_total{${ON}}[$__rate_interval]))`,
          legend: `${BY} read`,
        },
        {
          expr: `sum by (host, name) (rate(container_fs_writes_bytes_total{${ON}}[$__rate_interval]))`,
          legend: `${BY} write`,
        },
      ]),
    )
    .withPanel(
      // Both from every job, the most per container: see fleet.ts for why.
      timeseries("Restarts (15 min)", "short", [
        { expr: `max by (id, name) (container:restarts:changes15m{${CONTAINER}})`, legend: "{{name}}" },
      ]),
    )
    .withPanel(
      timeseries("OOM events", "short", [
        { expr: `max by (id, name) (container_oom_events_total{${CONTAINER}})`, legend: "{{name}}" },
      ]),
    )
    .build();
}
