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
  const life = await lifeFacts(store, ids);
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
    const key = `${sample.host}/${sample.containerId}`;
    const info = facts.get(key);
    const seenAtMs = Date.parse(sample.time);
    const lived = life.get(key);
    const oomKills = Math.max(sample.oomKills ?? 0, lived?.oomKills ?? 0);
    const created = info?.created ? Date.parse(info.created) : 0;
    return {
      sample: { ...sample, oomKills },
      cgroupPath: `/docker/${sample.containerId}`,
      labels: info?.labels ?? {},
      processes: sample.pids,
      cpuQuotaMicros: Math.round((info?.cpuLimitCores ?? 0) * CPU_PERIOD_MICROS),
      cpuPeriodMicros: info?.cpuLimitCores ? CPU_PERIOD_MICROS : 0,
      cpuShares: 0,
      startTimeSeconds: Math.max(created, lived?.startedMs ?? 0) / 1000,
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

/**
 * What the latest sample cannot tell about each container: its OOM kills (one `oom` incident per
 * kill; the sample's cgroup counter never sees the kill that ended its run, as the container dies
 * before its next reading) and its last start (the inventory has only its creation), so the fleet
 * view counts kills and shows restarts as the container's own collector does.
 */
async function lifeFacts(
  store: Store,
  ids: string[],
): Promise<Map<string, { oomKills: number; startedMs: number }>> {
  const out = new Map<string, { oomKills: number; startedMs: number }>();
  if (ids.length === 0) return out;
  const ofIds = () => scopedConditions({ ids }).add("container_id IN {ids:Array(String)}");
  const kills = ofIds().add("kind = 'oom'");
  const starts = ofIds().add("action = 'start'");
  // One after the other: the embedded store runs one query at a time anyway.
  const [oomRows, startRows] = [
    await store.rows<{ host: string; id: string; n: number }>(
      `SELECT host, container_id AS id, uniqExact(id) AS n FROM incidents ${kills.sql()} GROUP BY host, container_id`,
      kills.params,
      NUMBERS_UNQUOTED,
    ),
    await store.rows<{ host: string; id: string; startedMs: number }>(
      `SELECT host, container_id AS id, toUnixTimestamp64Milli(max(time)) AS startedMs FROM events ${starts.sql()} GROUP BY host, container_id`,
      starts.params,
      NUMBERS_UNQUOTED,
    ),
  ];
  const entry = (host: string, id: string) => {
    const key = `${host}/${id}`;
    const e = out.get(key) ?? { oomKills: 0, startedMs: 0 };
    out.set(key, e);
    return e;
  };
  for (const r of oomRows) entry(r.host, r.id).oomKills = Number(r.n);
  for (const r of startRows) entry(r.host, r.id).startedMs = Number(r.startedMs);
  return out;
}
