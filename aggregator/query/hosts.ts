import type { Store } from "../store/store.ts";
import { fromChTime } from "./window.ts";

/** Every host that ever reported, with its latest heartbeat. */
export async function queryHosts(store: Store) {
  const rows = await store.rows<Record<string, unknown> & { firstSeen: string; lastSeen: string }>(
    `SELECT host, argMax(collector_id, time) AS collectorId, argMax(collector_version, time) AS collectorVersion,
            argMax(boot_id, time) AS bootId, argMax(machine_id, time) AS machineId, argMax(kernel, time) AS kernel,
            argMax(cpu_cores, time) AS cpuCores, argMax(memory_bytes, time) AS memoryBytes,
            toString(min(time)) AS firstSeen, toString(max(time)) AS lastSeen
     FROM hosts GROUP BY host ORDER BY host`,
  );
  return rows.map((r) => ({
    ...r,
    memoryBytes: Number(r.memoryBytes),
    firstSeen: fromChTime(r.firstSeen),
    lastSeen: fromChTime(r.lastSeen),
  }));
}
