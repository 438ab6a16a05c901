import type { SampleRecord } from "../records.ts";

/**
 * The latest full reading of one container, as the cAdvisor exposition renders it: the sample as
 * shipped plus what only /metrics shows. The collector keeps one per container in memory (its
 * container-stats source); the aggregator builds them from stored samples for /metrics/fleet.
 */
export interface ContainerSnapshot {
  sample: SampleRecord;
  /** The cgroup path as cAdvisor names the container (`id` label): /docker/<id>, /system.slice/docker-<id>.scope … */
  cgroupPath: string;
  labels: Record<string, string>;
  /** Processes (cgroup.procs entries). */
  processes: number;
  cpuQuotaMicros: number;
  cpuPeriodMicros: number;
  cpuShares: number;
  /** When the container started, Unix seconds; 0 when unknown. */
  startTimeSeconds: number;
  /** Wall-clock ms of the sample. */
  seenAtMs: number;
  /** Wall-clock ms at which the collector learnt that the container stopped; undefined while it runs. */
  stoppedAtMs?: number;
  /**
   * False for a container that died before it could be read once (an OOM kill right after start):
   * only what Docker told us is real (OOM kill, limit, start time), the counters are not.
   */
  measured: boolean;
  /** Further labels on every series of this container (the aggregator's fleet view adds `host`). */
  extraLabels?: Record<string, string>;
}

/** One machine's figures for machine_cpu_cores and machine_memory_bytes. */
export interface MachineFacts {
  /** Logical CPUs. */
  cpuCores: number;
  /** MemTotal. */
  memoryBytes: number;
  /** Labels of this machine's series (`host` in the aggregator's fleet view); none on a collector. */
  labels?: Record<string, string>;
}
