import type { ContainerHealth } from "../../protocol/records.ts";
import type { WritableLayer } from "./writable-layer.ts";

/** What an operator reads in `docker inspect`, as the collector ships it (see container-details.ts). */
export interface ContainerDetails {
  /** Path and Args, quoted as a shell would need them. */
  command: string;
  /** Config.Env as KEY=VALUE, values of secret-looking keys masked. */
  env: string[];
  /** "127.0.0.1:8080->80/tcp" for a published port, "80/tcp" for one exposed only. */
  ports: string[];
  /** "/host/src:/dst (ro)", "volume NAME:/dst", "tmpfs /dst (size=1m)". */
  mounts: string[];
  /** The health check's status; "" when it has none. */
  health: ContainerHealth;
}

/** What the collector knows of one container, from `docker inspect`. */
export interface ContainerInfo extends ContainerDetails {
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
  /** Where its writes live, for container_fs_usage_bytes; absent on storage drivers other than overlay2/overlay. */
  writableLayer?: WritableLayer;
}
