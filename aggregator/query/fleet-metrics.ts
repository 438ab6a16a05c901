import type { ContainerSnapshot, MachineFacts } from "../../protocol/cadvisor/snapshot.ts";
import type { SampleRecord } from "../../protocol/records.ts";
import type { Store } from "../store/store.ts";
import { NUMBERS_UNQUOTED } from "./columns.ts";
import { isCurrent, newestPerHost } from "./liveness.ts";
import { SAMPLE_FIELDS } from "./samples.ts";
import { scopedConditions } from "./scope.ts";
import { withRfc3339Time } from "./window.ts";

const CPU_PERIOD_MICROS = 100_000; // Docker's default CFS period; --cpus sets quota = cores × period

/**
 * The fleet in cAdvisor's shape, from the store: each container's latest sample within the last
 * `windowSeconds` (so containers no longer sampled drop out), with its inventory facts, and each
 * host's machine facts; every series carries a `host` label. A container the inventory says is
 * no longer running drops out at once, as cAdvisor drops a destroyed cgroup.
 */
export async function fleetSnapshots(
  store: Store,
  windowSeconds: number,
): Promise<{ snapshots: ContainerSnapshot[]; machines: MachineFacts[] }> {
  const recent = scopedConditions({ window: windowSeconds }).add(
    "time >= now64(3) - toIntervalSecond({window:UInt32})",
  );
  const samples = await store.rows<Omit<SampleRecord, "kind" | "time"> & { time_text: string }>(
    `SELECT toString(time) AS time_text, ${SAMPLE_FIELDS} FROM samples ${recent.sql()}
     ORDER BY host, container_id, time DESC LIMIT 1 BY host, container_id`,
    recent.params,
    NUMBERS_UNQUOTED,
  );
  const ids = [...new Set(samples.map((s) => s.containerId))];
  const ofIds = scopedConditions({ ids }).add("container_id IN {ids:Array(String)}");
  const inventory = await store.rows<{
    host: string;
    id: string;
    labels: Record<string, string>;
    cpuLimitCores: number;
    created: string;
    state: string;
  }>(
    `SELECT host, container_id AS id, argMax(labels, time) AS labels, argMax(cpu_limit_cores, time) AS cpuLimitCores,
            argMax(created, time) AS created, argMax(state, time) AS state
     FROM containers ${ofIds.sql()} GROUP BY host, container_id`,
    ofIds.params,
  );
  const facts = new Map(inventory.map((c) => [`${c.host}/${c.id}`, c]));
  const latest: SampleRecord[] = samples.map((row) => ({ kind: "sample", ...withRfc3339Time(row) }));
  const hostNewest = newestPerHost(latest.map((s) => ({ host: s.host, newestMs: Date.parse(s.time) })));
  const running = latest.filter((s) =>
    isCurrent(
      facts.get(`${s.host}/${s.containerId}`)?.state,
      { newestMs: Date.parse(s.time), samples: 1, spanSeconds: 0 },
      hostNewest.get(s.host) ?? 0,
      windowSeconds * 1000,
    ),
  );
  const snapshots = running.map((sample): ContainerSnapshot => {
    const info = facts.get(`${sample.host}/${sample.containerId}`);
    const seenAtMs = Date.parse(sample.time);
    return {
      sample,
      cgroupPath: `/docker/${sample.containerId}`,
      labels: info?.labels ?? {},
      processes: sample.pids,
      cpuQuotaMicros: Math.round((info?.cpuLimitCores ?? 0) * CPU_PERIOD_MICROS),
      cpuPeriodMicros: info?.cpuLimitCores ? CPU_PERIOD_MICROS : 0,
      cpuShares: 0,
      startTimeSeconds: info?.created ? Date.parse(info.created) / 1000 : 0,
      seenAtMs,
      measured: true,
      extraLabels: { host: sample.host },
    };
  });
  const anyHost = scopedConditions();
  const hosts = await store.rows<{ host: string; cpuCores: number; memoryBytes: string }>(
    `SELECT host, argMax(cpu_cores, time) AS cpuCores, argMax(memory_bytes, time) AS memoryBytes
     FROM hosts ${anyHost.sql()} GROUP BY host ORDER BY host`,
    anyHost.params,
  );
  const machines = hosts.map((h) => ({
    cpuCores: h.cpuCores,
    memoryBytes: Number(h.memoryBytes),
    labels: { host: h.host },
  }));
  return { snapshots, machines };
}
