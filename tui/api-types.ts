// The shapes of the API answers, as far as the TUI reads them.

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
  lastLogs: LogLine[];
  samples: { time: string; memoryWorkingSetBytes: number; cpuCores: number }[];
  restarts: { startsInLastHour: number; byDaemonInLastHour?: number; history: EventRow[] };
  processes: ProcessRow[];
  hostEvents: EventRow[];
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
  firstSeen: string;
  lastSeen: string;
}
