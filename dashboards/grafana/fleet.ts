// Fleet: every host at a glance — its containers, their CPU and memory, the top consumers, and
// what went wrong (OOM kills, restarts, firing alerts). Container series come from the aggregator's
// /metrics/fleet (label `host`); host CPU/memory from node-exporter, whose target carries the same
// `host` label (see dashboards/README.md). OOM kills and restarts are read from every job, the most
// of each container's series, so they show whether Prometheus scrapes the fleet view or the
// collectors' own /metrics (no `host` label); `$host` does not narrow them.
import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import {
  CONTAINER,
  type Dashboard,
  dashboard,
  HOST,
  labelVariable,
  stat,
  timeseries,
  withAnnotations,
} from "./common.ts";

const ON = `${HOST},${CONTAINER}`;

export function fleetDashboard(): Dashboard {
  return withAnnotations(
    dashboard(
      "fleetscope-fleet",
      "fleetscope / Fleet",
      "Hosts and containers of the fleet, from fleetscope.",
    ),
    'host=~"$host"',
  )
    .withVariable(labelVariable("host", "host", "machine_cpu_cores"))
    .withVariable(labelVariable("container", "name", `container_last_seen{${HOST}}`))
    .withPanel(stat("Hosts", "short", { expr: `count(machine_cpu_cores{${HOST}})` }))
    .withPanel(
      stat("Containers running", "short", {
        // A container whose readings stopped more than a minute ago is no longer running.
        expr: `count(time() - container_last_seen{${ON}} < 60)`,
      }),
    )
    .withPanel(
      stat("OOM kills (range)", "short", {
        expr: `sum(max by (id) (increase(container_oom_events_total{${CONTAINER}}[$__range])))`,
      }),
    )
    .withPanel(stat("Firing alerts", "short", { expr: 'count(ALERTS{alertstate="firing"}) or vector(0)' }))
    .withRow(new RowBuilder("Hosts"))
    .withPanel(
      timeseries("Host CPU busy", "percentunit", [
        {
          expr: `1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle",${HOST}}[$__rate_interval]))`,
          legend: "{{host}}",
        },
      ]),
    )
    .withPanel(
      timeseries("Host memory used", "percentunit", [
        {
          expr: `1 - node_memory_MemAvailable_bytes{${HOST}} / node_memory_MemTotal_bytes{${HOST}}`,
          legend: "{{host}}",
        },
      ]),
    )
    .withPanel(
      timeseries("Container CPU by host", "short", [
        { expr: `sum by (host) (container:cpu_usage_cores:rate5m{${ON}})`, legend: "{{host}} cores" },
        { expr: `sum by (host) (machine_cpu_cores{${HOST}})`, legend: "{{host}} capacity" },
      ]),
    )
    .withPanel(
      timeseries("Container memory by host", "bytes", [
        { expr: `sum by (host) (container_memory_working_set_bytes{${ON}})`, legend: "{{host}} working set" },
        { expr: `sum by (host) (machine_memory_bytes{${HOST}})`, legend: "{{host}} capacity" },
      ]),
    )
    .withRow(new RowBuilder("Containers"))
    .withPanel(
      timeseries("Top 10 containers by CPU", "short", [
        { expr: `topk(10, container:cpu_usage_cores:rate5m{${ON}})`, legend: "{{host}}/{{name}}" },
      ]),
    )
    .withPanel(
      timeseries("Top 10 containers by memory", "bytes", [
        { expr: `topk(10, container_memory_working_set_bytes{${ON}})`, legend: "{{host}}/{{name}}" },
      ]),
    )
    .withPanel(
      timeseries("OOM kills", "short", [
        { expr: `max by (id, name) (container:oom_events:increase5m{${CONTAINER}}) > 0`, legend: "{{name}}" },
      ]),
    )
    .withPanel(
      timeseries("Restarts (15 min)", "short", [
        { expr: `max by (id, name) (container:restarts:changes15m{${CONTAINER}}) > 0`, legend: "{{name}}" },
      ]),
    )
    .withPanel(
      timeseries(
        "Firing alerts (incidents)",
        "short",
        [{ expr: 'count by (alertname) (ALERTS{alertstate="firing"})', legend: "{{alertname}}" }],
        24,
      ),
    )
    .build();
}
