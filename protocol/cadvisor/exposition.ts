// cAdvisor-compatible Prometheus exposition of container readings: the metric names, types, help
// texts, units and labels cAdvisor (docker driver) uses, so dashboards and alerts written for
// cAdvisor (Grafana 193, 893, 14282 …) work unchanged. The collector's /metrics and the
// aggregator's /metrics/fleet both render with it. The mapping, and what is left out and why, is
// in docs/metrics.md.
//
// Hand-rolled text format 0.0.4: one pass over the snapshots per metric family, label sets built
// once per container. No timestamps are attached (the scrape time is used). Pure: no I/O.
import type { DeviceIoStats, InterfaceStats, SampleRecord } from "../records.ts";
import type { ContainerSnapshot, MachineFacts } from "./snapshot.ts";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface CadvisorRenderOptions {
  /** Container label keys exposed as `container_label_<sanitized key>`; none by default (cardinality). */
  containerLabels: readonly string[];
  /** major:minor → device name (`/dev/vda`); the major:minor itself when unknown. */
  deviceName?: (device: DeviceIoStats) => string;
}

/** Label value escaping of the text format: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : "\\n"));
}

function escapeHelp(v: string): string {
  return v.replace(/[\\\n]/g, (c) => (c === "\\" ? "\\\\" : "\\n"));
}

/** Like cAdvisor: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

export function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  if (n === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(n);
}

type Kind = "counter" | "gauge";

interface Family {
  name: string;
  kind: Kind;
  help: string;
  /** Lines `name{labels} value` for one container; `base` is its label set without braces. */
  lines(s: ContainerSnapshot, base: string, out: string[], opts: Required<CadvisorRenderOptions>): void;
}

/** A family with one value per container. */
function single(
  name: string,
  kind: Kind,
  help: string,
  value: (s: ContainerSnapshot) => number | undefined,
): Family {
  return {
    name,
    kind,
    help,
    lines(s, base, out) {
      const v = value(s);
      if (v !== undefined) out.push(`${name}{${base}} ${formatValue(v)}\n`);
    },
  };
}

function perInterface(name: string, help: string, value: (i: InterfaceStats) => number): Family {
  return {
    name,
    kind: "counter",
    help,
    lines(s, base, out) {
      for (const i of s.sample.interfaces ?? [])
        out.push(`${name}{${base},interface="${escapeLabelValue(i.name)}"} ${formatValue(value(i))}\n`);
    },
  };
}

/**
 * Per block device. Byte counters: with exactly one device, its value is the sample's total (which
 * may come from /proc/<pid>/io when the cgroup missed buffered I/O, see container-stats.ts); with
 * none, one series with an empty `device` carries the total; with several, each device's own
 * cgroup count. Operation counters come only from the cgroup, per device.
 */
function perDevice(
  name: string,
  help: string,
  value: (d: DeviceIoStats) => number,
  total?: (s: SampleRecord) => number,
): Family {
  return {
    name,
    kind: "counter",
    help,
    lines(s, base, out, opts) {
      const devices = s.sample.devices ?? [];
      if (devices.length === 0) {
        if (total) out.push(`${name}{${base},device=""} ${formatValue(total(s.sample))}\n`);
        return;
      }
      for (const d of devices) {
        const v = total && devices.length === 1 ? Math.max(value(d), total(s.sample)) : value(d);
        out.push(`${name}{${base},device="${escapeLabelValue(opts.deviceName(d))}"} ${formatValue(v)}\n`);
      }
    },
  };
}

/**
 * The writable layer's figures, labelled with the device holding it as cAdvisor does; no series
 * for a container whose layer was not measured (another storage driver, walks off, over budget).
 */
function perFilesystem(name: string, help: string, value: (s: SampleRecord) => number | undefined): Family {
  return {
    name,
    kind: "gauge",
    help,
    lines(s, base, out) {
      const device = s.sample.fsDevice;
      if (device)
        out.push(
          `${name}{${base},device="${escapeLabelValue(device)}"} ${formatValue(value(s.sample) ?? 0)}\n`,
        );
    },
  };
}

const quotaSet = (s: ContainerSnapshot) => s.cpuQuotaMicros > 0;

/** What a container that died before its first reading still shows (see ContainerSnapshot.measured). */
const UNMEASURED_FAMILIES = new Set([
  "container_oom_events_total",
  "container_last_seen",
  "container_start_time_seconds",
  "container_spec_memory_limit_bytes",
]);

// In the order cAdvisor documents them (docs/storage/prometheus.md), container families first.
const FAMILIES: Family[] = [
  {
    name: "container_cpu_usage_seconds_total",
    kind: "counter",
    help: "Cumulative cpu time consumed in seconds.",
    lines(s, base, out) {
      // cAdvisor without per-CPU stats (its default since 0.38) reports one series, cpu="total".
      out.push(
        `container_cpu_usage_seconds_total{${base},cpu="total"} ${formatValue(s.sample.cpuUsageSeconds)}\n`,
      );
    },
  },
  single(
    "container_cpu_user_seconds_total",
    "counter",
    "Cumulative user cpu time consumed in seconds.",
    (s) => s.sample.cpuUserSeconds,
  ),
  single(
    "container_cpu_system_seconds_total",
    "counter",
    "Cumulative system cpu time consumed in seconds.",
    (s) => s.sample.cpuSystemSeconds,
  ),
  // Like cAdvisor, the CFS counters only for containers with a CPU quota (they stay 0 otherwise).
  single(
    "container_cpu_cfs_periods_total",
    "counter",
    "Number of elapsed enforcement period intervals.",
    (s) => (quotaSet(s) ? (s.sample.cpuPeriods ?? 0) : undefined),
  ),
  single(
    "container_cpu_cfs_throttled_periods_total",
    "counter",
    "Number of throttled period intervals.",
    (s) => (quotaSet(s) ? (s.sample.cpuThrottledPeriods ?? 0) : undefined),
  ),
  single(
    "container_cpu_cfs_throttled_seconds_total",
    "counter",
    "Total time duration the container has been throttled.",
    (s) => (quotaSet(s) ? (s.sample.cpuThrottledSeconds ?? 0) : undefined),
  ),
  single(
    "container_memory_cache",
    "gauge",
    "Number of bytes of page cache memory.",
    (s) => s.sample.memoryCacheBytes,
  ),
  single("container_memory_rss", "gauge", "Size of RSS in bytes.", (s) => s.sample.memoryRssBytes),
  single(
    "container_memory_mapped_file",
    "gauge",
    "Size of memory mapped files in bytes.",
    (s) => s.sample.memoryMappedFileBytes ?? 0,
  ),
  single(
    "container_memory_swap",
    "gauge",
    "Container swap usage in bytes.",
    (s) => s.sample.memorySwapBytes ?? 0,
  ),
  // cAdvisor declares this one a counter; a counter without `_total` fails `promtool check metrics`,
  // so it is typed gauge here (same name and value; PromQL does not look at the type).
  single(
    "container_memory_failcnt",
    "gauge",
    "Number of memory usage hits limits",
    (s) => s.sample.memoryFailcnt ?? 0,
  ),
  single(
    "container_memory_usage_bytes",
    "gauge",
    "Current memory usage in bytes, including all memory regardless of when it was accessed",
    (s) => s.sample.memoryUsageBytes,
  ),
  single(
    "container_memory_max_usage_bytes",
    "gauge",
    "Maximum memory usage recorded in bytes",
    (s) => s.sample.memoryMaxUsageBytes ?? 0,
  ),
  single(
    "container_memory_working_set_bytes",
    "gauge",
    "Current working set in bytes.",
    (s) => s.sample.memoryWorkingSetBytes,
  ),
  single(
    "container_oom_events_total",
    "counter",
    "Count of out of memory events observed for the container",
    (s) => s.sample.oomKills ?? 0,
  ),
  perInterface(
    "container_network_receive_bytes_total",
    "Cumulative count of bytes received",
    (i) => i.rxBytes,
  ),
  perInterface(
    "container_network_receive_packets_total",
    "Cumulative count of packets received",
    (i) => i.rxPackets,
  ),
  perInterface(
    "container_network_receive_packets_dropped_total",
    "Cumulative count of packets dropped while receiving",
    (i) => i.rxDropped,
  ),
  perInterface(
    "container_network_receive_errors_total",
    "Cumulative count of errors encountered while receiving",
    (i) => i.rxErrors,
  ),
  perInterface(
    "container_network_transmit_bytes_total",
    "Cumulative count of bytes transmitted",
    (i) => i.txBytes,
  ),
  perInterface(
    "container_network_transmit_packets_total",
    "Cumulative count of packets transmitted",
    (i) => i.txPackets,
  ),
  perInterface(
    "container_network_transmit_packets_dropped_total",
    "Cumulative count of packets dropped while transmitting",
    (i) => i.txDropped,
  ),
  perInterface(
    "container_network_transmit_errors_total",
    "Cumulative count of errors encountered while transmitting",
    (i) => i.txErrors,
  ),
  perFilesystem(
    "container_fs_limit_bytes",
    "Number of bytes that can be consumed by the container on this filesystem.",
    (s) => s.fsLimitBytes,
  ),
  perDevice(
    "container_fs_reads_bytes_total",
    "Cumulative count of bytes read",
    (d) => d.readBytes,
    (s) => s.blkioReadBytes,
  ),
  perDevice("container_fs_reads_total", "Cumulative count of reads completed", (d) => d.reads),
  perFilesystem(
    "container_fs_usage_bytes",
    "Number of bytes that are consumed by the container on this filesystem.",
    (s) => s.fsUsageBytes,
  ),
  perDevice(
    "container_fs_writes_bytes_total",
    "Cumulative count of bytes written",
    (d) => d.writeBytes,
    (s) => s.blkioWriteBytes,
  ),
  perDevice("container_fs_writes_total", "Cumulative count of writes completed", (d) => d.writes),
  single(
    "container_processes",
    "gauge",
    "Number of processes running inside the container.",
    (s) => s.processes,
  ),
  single(
    "container_threads",
    "gauge",
    "Number of threads running inside the container",
    (s) => s.sample.threads ?? 0,
  ),
  single(
    "container_file_descriptors",
    "gauge",
    "Number of open file descriptors for the container.",
    (s) => s.sample.fileDescriptors ?? 0,
  ),
  single("container_last_seen", "gauge", "Last time a container was seen by the exporter", (s) =>
    Math.floor(s.seenAtMs / 1000),
  ),
  single(
    "container_start_time_seconds",
    "gauge",
    "Start time of the container since unix epoch in seconds.",
    (s) => (s.startTimeSeconds > 0 ? Math.floor(s.startTimeSeconds) : undefined),
  ),
  single("container_spec_cpu_period", "gauge", "CPU period of the container.", (s) =>
    s.cpuPeriodMicros > 0 ? s.cpuPeriodMicros : undefined,
  ),
  single("container_spec_cpu_quota", "gauge", "CPU quota of the container.", (s) =>
    quotaSet(s) ? s.cpuQuotaMicros : undefined,
  ),
  single("container_spec_cpu_shares", "gauge", "CPU share of the container.", (s) =>
    s.cpuShares > 0 ? s.cpuShares : undefined,
  ),
  single(
    "container_spec_memory_limit_bytes",
    "gauge",
    "Memory limit for the container.",
    (s) => s.sample.memoryLimitBytes,
  ),
  single(
    "container_spec_memory_reservation_limit_bytes",
    "gauge",
    "Memory reservation limit for the container.",
    (s) => s.sample.memoryReservationBytes ?? 0,
  ),
];

/** `id="…",image="…",name="…"` plus the allow-listed `container_label_*`, sorted by label name. */
export function baseLabels(s: ContainerSnapshot, allow: readonly string[]): string {
  const pairs: [string, string][] = [
    ["id", s.cgroupPath],
    ["image", s.sample.image],
    ["name", s.sample.containerName],
    ...Object.entries(s.extraLabels ?? {}),
  ];
  const seen = new Set<string>(pairs.map(([k]) => k));
  for (const key of allow) {
    // Own keys only: a key such as __proto__ names no label, whatever the map's prototype has.
    const value = Object.hasOwn(s.labels, key) ? s.labels[key] : undefined;
    const label = `container_label_${sanitizeLabelName(key)}`;
    if (value === undefined || value === "" || seen.has(label)) continue;
    seen.add(label);
    pairs.push([label, value]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",");
}

/** The whole cAdvisor-compatible exposition: container families, then machine_cpu_cores / machine_memory_bytes. */
export function renderCadvisorMetrics(
  snapshots: readonly ContainerSnapshot[],
  machine: MachineFacts | readonly MachineFacts[],
  options: CadvisorRenderOptions,
): string {
  const opts: Required<CadvisorRenderOptions> = {
    containerLabels: options.containerLabels,
    deviceName: options.deviceName ?? ((d) => d.device),
  };
  const sorted = [...snapshots].sort((a, b) =>
    a.cgroupPath < b.cgroupPath ? -1 : a.cgroupPath > b.cgroupPath ? 1 : 0,
  );
  const bases = sorted.map((s) => baseLabels(s, opts.containerLabels));
  const out: string[] = [];
  for (const f of FAMILIES) {
    const start = out.length;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.kind}\n`);
    const unmeasuredToo = UNMEASURED_FAMILIES.has(f.name);
    for (let i = 0; i < sorted.length; i++) {
      const s = sorted[i] as ContainerSnapshot;
      if (s.measured || unmeasuredToo) f.lines(s, bases[i] as string, out, opts);
    }
    if (out.length === start + 1) out.pop(); // no series: no HELP/TYPE either
  }
  const machines: readonly MachineFacts[] = Array.isArray(machine) ? machine : [machine as MachineFacts];
  const labelsOf = (m: MachineFacts) => {
    const pairs = Object.entries(m.labels ?? {}).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
    return pairs.length ? `{${pairs.join(",")}}` : "";
  };
  out.push("# HELP machine_cpu_cores Number of logical CPU cores.\n# TYPE machine_cpu_cores gauge\n");
  for (const m of machines) out.push(`machine_cpu_cores${labelsOf(m)} ${formatValue(m.cpuCores)}\n`);
  out.push(
    "# HELP machine_memory_bytes Amount of memory installed on the machine.\n# TYPE machine_memory_bytes gauge\n",
  );
  for (const m of machines) out.push(`machine_memory_bytes${labelsOf(m)} ${formatValue(m.memoryBytes)}\n`);
  return out.join("");
}
