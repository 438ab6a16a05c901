import type { HostRow, HostsQuery } from "../../protocol/api/hosts.ts";
import type { Store } from "../store/store.ts";
import { renamedTuples } from "./columns.ts";
import { InvalidArgument, NotFound } from "./errors.ts";
import { scopedConditions } from "./scope.ts";
import { fromChTime } from "./window.ts";

type Tuple = Record<string, unknown>;
const FILESYSTEM_ELEMENTS =
  "device String, mountpoint String, type String, capacityBytes UInt64, availableBytes UInt64, inodes UInt64";
const INTERFACE_ELEMENTS = "name String, mac String, speedMbps UInt32, mtu UInt32";
const n = (v: unknown) => Number(v ?? 0);
const round = (v: unknown, digits: number) => Math.round(n(v) * 10 ** digits) / 10 ** digits;

/** Every host that ever reported (or just `host`), with its latest heartbeat. */
export async function queryHosts(store: Store, q: HostsQuery = {}): Promise<HostRow[]> {
  const where = scopedConditions().when(q.host, "host = {host:String}", { host: q.host });
  // Each field is the newest heartbeat's: argMax over the whole row, then unpacked.
  const rows = await store.rows<{ host: string; h: Tuple; firstSeen: string; lastSeen: string }>(
    `SELECT host, CAST(argMax(tuple(collector_id, collector_version, boot_id, machine_id, kernel, cpu_cores,
                 memory_bytes, hostname, os, swap_bytes, memory_available_bytes, uptime_seconds, load1, load5,
                 load15, cpu_busy_cores, labels, ${renamedTuples("filesystems", FILESYSTEM_ELEMENTS)},
                 ${renamedTuples("interfaces", INTERFACE_ELEMENTS)}), time),
               'Tuple(collectorId String, collectorVersion String, bootId String, machineId String, kernel String,
                 cpuCores UInt16, memoryBytes UInt64, hostname String, os String, swapBytes UInt64,
                 memoryAvailableBytes UInt64, uptimeSeconds Float64, load1 Float32, load5 Float32, load15 Float32,
                 cpuBusyCores Float32, labels Map(String, String),
                 filesystems Array(Tuple(${FILESYSTEM_ELEMENTS})), interfaces Array(Tuple(${INTERFACE_ELEMENTS})))') AS h,
            toString(min(time)) AS firstSeen, toString(max(time)) AS lastSeen
     FROM hosts ${where.sql()} GROUP BY host ORDER BY host`,
    where.params,
  );
  return rows.map(({ host, h, firstSeen, lastSeen }) => ({
    host,
    collectorId: String(h.collectorId),
    collectorVersion: String(h.collectorVersion),
    bootId: String(h.bootId),
    machineId: String(h.machineId),
    kernel: String(h.kernel),
    cpuCores: n(h.cpuCores),
    memoryBytes: n(h.memoryBytes),
    hostname: String(h.hostname),
    os: String(h.os),
    swapBytes: n(h.swapBytes),
    memoryAvailableBytes: n(h.memoryAvailableBytes),
    uptimeSeconds: round(h.uptimeSeconds, 2),
    load1: round(h.load1, 2),
    load5: round(h.load5, 2),
    load15: round(h.load15, 2),
    cpuBusyCores: round(h.cpuBusyCores, 3),
    labels: (h.labels ?? {}) as Record<string, string>,
    filesystems: ((h.filesystems ?? []) as Tuple[]).map((f) => ({
      device: String(f.device),
      mountpoint: String(f.mountpoint),
      type: String(f.type),
      capacityBytes: n(f.capacityBytes),
      availableBytes: n(f.availableBytes),
      inodes: n(f.inodes),
    })),
    interfaces: ((h.interfaces ?? []) as Tuple[]).map((i) => ({
      name: String(i.name),
      mac: String(i.mac),
      speedMbps: n(i.speedMbps),
      mtu: n(i.mtu),
    })),
    firstSeen: fromChTime(firstSeen),
    lastSeen: fromChTime(lastSeen),
  }));
}

/**
 * The host a per-host API answers about: `?host=` when given (it must have reported), else the
 * only host the store knows. Several hosts and no `?host=` is the caller's ambiguity:
 * InvalidArgument.
 */
export async function resolveHost(store: Store, host: string | undefined): Promise<HostRow> {
  if (host !== undefined && host !== "") {
    const [row] = await queryHosts(store, { host });
    if (row) return row;
    const known = (await queryHosts(store)).map((h) => h.host);
    throw new NotFound(
      `host "${host}" has not reported; known hosts: ${known.length ? known.join(", ") : "none yet"}`,
    );
  }
  const hosts = await queryHosts(store);
  if (hosts.length === 1) return hosts[0] as HostRow;
  if (hosts.length === 0) throw new NotFound("no host has reported yet");
  throw new InvalidArgument(
    `the store knows ${hosts.length} hosts; choose one with ?host=: ${hosts.map((h) => h.host).join(", ")}`,
  );
}
