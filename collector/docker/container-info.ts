/** What the collector knows of one container, from `docker inspect`. */
export interface ContainerInfo {
  /** 64-hex id. */
  id: string;
  /** Name without the leading slash. */
  name: string;
  image: string;
  created: string;
  /** created, running, paused, restarting, exited, dead, removed */
  state: string;
  /** Host PID of the container's init process; 0 when not running. */
  pid: number;
  exitCode: number | null;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  /** json-file, local, journald, syslog, gelf, fluentd … */
  logDriver: string;
  /** Path of the json-file log; empty for other drivers. */
  logPath: string;
  labels: Record<string, string>;
  /** 0 when unlimited. */
  memoryLimitBytes: number;
  /** 0 when unlimited. */
  cpuLimitCores: number;
  restartPolicy: string;
  /** Docker's RestartCount: restarts by the daemon since the last start by a person (which resets it). */
  restartCount: number;
}
