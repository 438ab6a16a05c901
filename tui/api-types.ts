// The shapes of the API answers, as far as the TUI reads them.

import type { WhyMemory } from "../cli/render/why-text.ts";

export interface LogLine {
  time: string;
  host: string;
  source: string;
  containerId: string;
  containerName: string;
  stream: string;
  unit: string;
  identifier: string;
  severityNumber: number;
  severityText: string;
  body: string;
  seq: number;
}

export interface ContainerOverview {
  host: string;
  id: string;
  name: string;
  image: string;
  state: string;
  exitCode: number | null;
  oomKilled: boolean;
  created: string;
  startedAt: string | null;
  lastSeen: string;
  cpuCores: number;
  cpuLimitCores: number;
  cpuPercentOfLimit: number | null;
  memoryWorkingSetBytes: number;
  memoryLimitBytes: number;
  memoryPercentOfLimit: number | null;
  networkRxBytesPerSecond: number;
  networkTxBytesPerSecond: number;
  ioReadBytesPerSecond: number;
  ioWriteBytesPerSecond: number;
  pids: number;
  /** Its newest sample: the rates are measured up to it. */
  lastSample: string | null;
  restarts: number;
  history: { stepSeconds: number; cpuCores: (number | null)[]; memoryWorkingSetBytes: (number | null)[] };
}

export interface HostOverview {
  host: string;
  cpuCores: number;
  cpuBusyCores: number;
  memoryBytes: number;
  memoryAvailableBytes: number;
  load1: number;
  load5: number;
  load15: number;
  os: string;
  uptimeSeconds: number;
  lastSeen: string;
  containersRunning: number;
  containersTotal: number;
  incidentsOpen: number;
  lagSeconds: number;
}

export interface ProcessRow {
  time?: string;
  host: string;
  containerId: string;
  containerName: string;
  pid: number;
  nsPid: number;
  user: string;
  command: string;
  cmdline: string;
  state: string;
  cpuPercent: number;
  rssBytes: number;
  threads: number;
}

export interface EventRow {
  time: string;
  host: string;
  type: string;
  action: string;
  containerId: string;
  containerName: string;
  image: string;
  exitCode: number | null;
  attributes: Record<string, string>;
}

export interface IncidentRow {
  id: string;
  time: string;
  updated: string;
  ended: string | null;
  kind: string;
  status: string;
  host: string;
  containerId: string;
  containerName: string;
  image: string;
  unit: string;
  count: number;
  summary: string;
}

export interface WhyAnswer {
  host: string;
  container: { id?: unknown; name?: unknown; image?: unknown; restartPolicy?: unknown };
  event: {
    time: string;
    exitCode: number | null;
    signal: string | null;
    oomKilled: boolean;
    cause: string;
    stoppedByPerson: boolean;
    ranForMs?: number | null;
    restartPolicy?: string;
    /** The kernel's report from the journal: which process it killed, at what usage. */
    oomKill?: { pid: number; process: string; usageBytes: number; limitBytes: number } | null;
  };
  memoryLimitBytes: number;
  /** The sampled peak beside the cgroup's high-water mark and the kernel's figure at a kill, and why they differ. */
  memory?: WhyMemory;
  lastLogs: LogLine[];
  samples: { time: string; memoryWorkingSetBytes: number; cpuCores: number }[];
  restarts: { startsInLastHour: number; byDaemonInLastHour?: number; history: EventRow[] };
  processes: ProcessRow[];
  /** Other containers' events just before the death, newest first; repeats collapsed into `count`. */
  hostEvents: (EventRow & { count?: number; firstTime?: string })[];
  /** exec_* events left out of hostEvents (ask with execs=true). */
  hiddenExecEvents?: number;
  incidents: IncidentRow[];
}

export interface ContainerDetail {
  host: string;
  id: string;
  name: string;
  image: string;
  created: string;
  state: string;
  exitCode: number | null;
  oomKilled: boolean;
  logDriver: string;
  labels: Record<string, string>;
  memoryLimitBytes: number;
  cpuLimitCores: number;
  restartPolicy: string;
  /** Docker's RestartCount: daemon restarts since a person last started it. */
  restartCount: number;
  /** Every daemon restart the collector saw. */
  restarts: number;
  command: string;
  /** KEY=VALUE, values of secret-looking keys already masked ("•••") by the collector. */
  env: string[];
  ports: string[];
  mounts: string[];
  /** healthy, unhealthy, starting, or "" without a health check. */
  health: string;
  firstSeen: string;
  lastSeen: string;
}
