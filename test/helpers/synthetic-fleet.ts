// A small made-up fleet as collector records, for tests, benches and README captures that need
// known numbers: hosts with heartbeats, containers with samples (counters climbing), processes,
// Docker events (starts, restarts, OOM kills, crashes) and log lines.
import { createHash } from "node:crypto";
import type {
  ContainerRecord,
  EventRecord,
  FleetRecord,
  HostRecord,
  LogRecord,
  ProcessRecord,
  SampleRecord,
} from "../../protocol/records.ts";

const MiB = 1024 * 1024;

export interface ContainerSpec {
  host: string;
  name: string;
  image?: string;
  /** running (default), oom (killed at its limit a minute ago) or crash (exit 2 a minute ago). */
  fate?: "running" | "oom" | "crash";
  /** Cores it uses. */
  cpu?: number;
  memoryMiB?: number;
  limitMiB?: number;
  cpuLimit?: number;
  /** Deaths and starts again in the last hour before its current run. */
  restarts?: number;
  /** Its log lines (stdout; a line starting with "ERROR" goes to stderr at severity error). */
  lines?: string[];
}

export const containerId = (host: string, name: string) =>
  createHash("sha256").update(`${host}/${name}`).digest("hex");

const iso = (ms: number) => new Date(ms).toISOString();

function hostRecord(host: string, time: number): HostRecord {
  return {
    kind: "host",
    time: iso(time),
    host,
    collectorId: `c-${host}`,
    collectorVersion: "0.1.0",
    bootId: "b",
    machineId: "m",
    kernel: "6.1.0",
    cpuCores: 4,
    memoryBytes: 8192 * MiB,
    memoryAvailableBytes: 5120 * MiB,
    hostname: host,
    os: "Debian GNU/Linux 12 (bookworm)",
    uptimeSeconds: 3 * 86400 + 4000,
    load1: 0.42,
    load5: 0.3,
    load15: 0.2,
    cpuBusyCores: 0.8,
  };
}

function containerRecords(c: ContainerSpec, now: number): FleetRecord[] {
  const ref = { containerId: containerId(c.host, c.name), containerName: c.name, image: c.image ?? "app:1" };
  const fate = c.fate ?? "running";
  const created = now - 20 * 60_000;
  const diedAt = fate === "running" ? undefined : now - 60_000;
  const limit = (c.limitMiB ?? 0) * MiB;
  const event = (time: number, action: string, exitCode: number | null = null): EventRecord => ({
    kind: "event",
    time: iso(time),
    host: c.host,
    ...ref,
    type: "container",
    action,
    exitCode,
    attributes: {},
  });
  const out: FleetRecord[] = [];
  const restarts = c.restarts ?? 0;
  out.push(event(created, "create"), event(created + 1000, "start"));
  for (let i = 0; i < restarts; i++) {
    out.push(event(created + (i + 1) * 60_000, "die", 1), event(created + (i + 1) * 60_000 + 2000, "start"));
  }
  const exitCode = fate === "oom" ? 137 : fate === "crash" ? 2 : null;
  if (diedAt !== undefined) {
    if (fate === "oom") out.push(event(diedAt - 5, "oom"));
    out.push(event(diedAt, "die", exitCode));
  }
  const container: ContainerRecord = {
    kind: "container",
    time: iso(now - 5000),
    host: c.host,
    ...ref,
    created: iso(created),
    state: fate === "running" ? "running" : "exited",
    exitCode,
    oomKilled: fate === "oom",
    logDriver: "json-file",
    labels: { "com.example.team": "core" },
    memoryLimitBytes: limit,
    cpuLimitCores: c.cpuLimit ?? 0,
    restartPolicy: "no",
  };
  out.push(container);
  // Samples every 10 s over the last 5 minutes (until its death).
  const end = diedAt ?? now - 1000;
  const cpu = c.cpu ?? 0.05;
  for (let i = 0, t = now - 300_000; t <= end; i++, t += 10_000) {
    const memory =
      fate === "oom"
        ? Math.min(limit, (2 + ((t - (now - 300_000)) / (end - (now - 300_000))) * 14) * MiB)
        : (c.memoryMiB ?? 20) * MiB;
    const sample: SampleRecord = {
      kind: "sample",
      time: iso(t),
      host: c.host,
      ...ref,
      origin: "cgroup",
      cpuUsageSeconds: 100 + cpu * 10 * i,
      cpuUserSeconds: 0,
      cpuSystemSeconds: 0,
      cpuCores: cpu * (1 + 0.5 * Math.sin(i / 3)),
      memoryUsageBytes: memory,
      memoryWorkingSetBytes: memory,
      memoryRssBytes: memory,
      memoryCacheBytes: 0,
      memoryLimitBytes: limit,
      pids: 2,
      blkioReadBytes: 4096 * i,
      blkioWriteBytes: 65536 * i,
      networkRxBytes: 2000 * i,
      networkTxBytes: 1000 * i,
    };
    out.push(sample);
  }
  const proc = (pid: number, nsPid: number, cmdline: string, cpuPercent: number): ProcessRecord => ({
    kind: "process",
    time: iso(end),
    host: c.host,
    ...ref,
    pid,
    nsPid,
    ppid: nsPid === 1 ? 1000 : pid - 1,
    uid: 0,
    user: "root",
    command: cmdline.split(" ")[0] ?? "",
    cmdline,
    state: "S",
    cpuPercent,
    rssBytes: 8 * MiB,
    threads: 1,
    startTime: iso(created + 1000),
  });
  const base = 10_000 + (parseInt(ref.containerId.slice(0, 4), 16) % 50_000);
  out.push(
    proc(base, 1, `sh -c run-${c.name}`, 0.5),
    proc(base + 1, 7, `${c.name}-worker --threads 4`, 100 * cpu),
  );
  const lines = c.lines ?? [`starting ${c.name}`, "listening on :8080"];
  lines.forEach((body, i) => {
    const error = body.startsWith("ERROR");
    const log: LogRecord = {
      kind: "log",
      time: iso((diedAt ?? now) - 30_000 + i * 100),
      host: c.host,
      source: "docker-json",
      ...ref,
      stream: error ? "stderr" : "stdout",
      unit: "",
      identifier: "",
      pid: 0,
      severityNumber: error ? 17 : 9,
      severityText: error ? "ERROR" : "INFO",
      body,
      attributes: {},
      seq: i,
    };
    out.push(log);
  });
  return out;
}

/** Records for every container, plus two heartbeats of each host. */
export function syntheticFleet(containers: ContainerSpec[], now = Date.now()): FleetRecord[] {
  const hosts = [...new Set(containers.map((c) => c.host))];
  return [
    ...hosts.flatMap((h) => [hostRecord(h, now - 65_000), hostRecord(h, now - 5000)]),
    ...containers.flatMap((c) => containerRecords(c, now)),
  ];
}
