// The machine view of a host, read from /proc, /sys and /etc: pure parsers of each file (tested
// on bytes captured from a real machine, test/fixtures/host/) plus the readers that feed them.
import { lstat, readdir, readFile, statfs } from "node:fs/promises";
import type { HostRecord } from "../../../protocol/records.ts";

export type Filesystem = NonNullable<HostRecord["filesystems"]>[number];
export type NetInterface = NonNullable<HostRecord["interfaces"]>[number];

/** /proc/meminfo → bytes per key (the file says kB, meaning KiB). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([\w()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1] as string, Number(m[2]) * (line.trimEnd().endsWith("kB") ? 1024 : 1));
  }
  return out;
}

/** /proc/loadavg → the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): { load1: number; load5: number; load15: number } {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  const ok = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n : 0);
  return { load1: ok(a), load5: ok(b), load15: ok(c) };
}

/** /proc/uptime → seconds since boot (its first field). */
export function parseUptime(text: string): number {
  const n = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(n) ? n : 0;
}

/** The aggregate `cpu` line of /proc/stat, in clock ticks: busy and total (guest time is inside user). */
export interface CpuTicks {
  busy: number;
  total: number;
  /** How many cpuN lines: the CPUs the kernel accounts. */
  cpus: number;
}

export function parseProcStat(text: string): CpuTicks | undefined {
  let ticks: CpuTicks | undefined;
  let cpus = 0;
  for (const line of text.split("\n")) {
    if (/^cpu\d+\s/.test(line)) cpus++;
    if (!line.startsWith("cpu ")) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    ticks = { busy: total - idle, total, cpus: 0 };
  }
  return ticks ? { ...ticks, cpus } : undefined;
}

/** Busy cores between two /proc/stat readings: busy share of the elapsed ticks × CPUs. */
export function busyCores(prev: CpuTicks, next: CpuTicks): number {
  const total = next.total - prev.total;
  const busy = next.busy - prev.busy;
  if (total <= 0 || busy < 0) return 0;
  return (busy / total) * Math.max(1, next.cpus);
}

/** A shell-style KEY=value file (/etc/os-release): values unquoted, comments skipped. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    if (q === '"') value = value.replace(/\\(["\\$`])/g, "$1");
    out.set(line.slice(0, eq).trim(), value);
  }
  return out;
}

/** PRETTY_NAME of an os-release file, else NAME VERSION, else "". */
export function osPrettyName(text: string): string {
  const env = parseEnvFile(text);
  return env.get("PRETTY_NAME") || [env.get("NAME"), env.get("VERSION")].filter(Boolean).join(" ");
}

/**
 * Operator labels given as `k=v,k2=v2` (fleet's metadata format, FLEETSCOPE_LABELS) or one
 * `k=v` per --label flag. Throws on an item without `=` or with an empty key.
 */
export function parseLabels(items: string | string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const list = (Array.isArray(items) ? items : [items]).flatMap((s) => s.split(","));
  for (const raw of list) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf("=");
    if (eq <= 0) throw new Error(`label "${item}" is not key=value`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** The `metadata="k=v,…"` option of a fleet.conf (INI, global section), as labels. */
export function parseFleetConf(text: string): Record<string, string> {
  const metadata = parseEnvFile(text).get("metadata");
  return metadata ? parseLabels(metadata) : {};
}

/** Filesystem types that live on a block device; everything else (tmpfs, overlay, cgroup …) is skipped. */
const BLOCK_FS = new Set([
  "ext2",
  "ext3",
  "ext4",
  "xfs",
  "btrfs",
  "zfs",
  "f2fs",
  "jfs",
  "reiserfs",
  "vfat",
  "exfat",
  "ntfs",
  "ntfs3",
  "iso9660",
  "bcachefs",
]);

/** /proc/<pid>/mounts → one {device, mountpoint, type} per block-device filesystem, first mount of each device. */
export function parseMounts(text: string): { device: string; mountpoint: string; type: string }[] {
  const seen = new Set<string>();
  const out: { device: string; mountpoint: string; type: string }[] = [];
  // Octal escapes (\040 for a space) in device and mountpoint fields.
  const unoctal = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  for (const line of text.split("\n")) {
    const [device, mountpoint, type] = line.split(" ");
    if (!device || !mountpoint || !type) continue;
    if (!device.startsWith("/dev/") || !BLOCK_FS.has(type)) continue;
    const dev = unoctal(device);
    if (seen.has(dev)) continue;
    seen.add(dev);
    out.push({ device: dev, mountpoint: unoctal(mountpoint), type });
  }
  return out;
}

/** One /sys/class/net/<name> directory's files → an interface; speed -1 or unreadable → 0. */
export function parseNetInterface(
  name: string,
  files: { address?: string; speed?: string; mtu?: string },
): NetInterface {
  const int = (s: string | undefined) => {
    const n = Number((s ?? "").trim());
    return Number.isInteger(n) && n > 0 ? n : 0;
  };
  return { name, mac: (files.address ?? "").trim(), speedMbps: int(files.speed), mtu: int(files.mtu) };
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Block-device filesystems with their capacity and what is available to non-root users; each is
 * measured at the first of `pathsOf(mountpoint)` that answers (all 0 when none does).
 */
export async function readFilesystems(
  mountsPath: string,
  pathsOf: (mountpoint: string) => string[] = (m) => [m],
): Promise<Filesystem[]> {
  const mounts = parseMounts((await readText(mountsPath)) ?? "");
  const out: Filesystem[] = [];
  for (const m of mounts) out.push({ ...m, ...(await measure(pathsOf(m.mountpoint))) });
  return out;
}

async function measure(paths: string[]): Promise<Omit<Filesystem, "device" | "mountpoint" | "type">> {
  for (const path of paths) {
    try {
      const s = await statfs(path);
      return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize, inodes: s.files };
    } catch {
      // Not reachable this way (refused, or not mounted where this process looks): the next one.
    }
  }
  return { capacityBytes: 0, availableBytes: 0, inodes: 0 };
}

/**
 * Network interfaces backed by a device (cAdvisor's rule: a `device` entry in sysfs), so
 * loopback, bridges, veths and other virtual links are left out.
 */
export async function readNetInterfaces(sysRoot: string): Promise<NetInterface[]> {
  const dir = `${sysRoot}/class/net`;
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return [];
  }
  const out: NetInterface[] = [];
  for (const name of names) {
    const hasDevice = await lstat(`${dir}/${name}/device`).then(
      () => true,
      () => false,
    );
    if (!hasDevice) continue;
    out.push(
      parseNetInterface(name, {
        address: await readText(`${dir}/${name}/address`),
        speed: await readText(`${dir}/${name}/speed`),
        mtu: await readText(`${dir}/${name}/mtu`),
      }),
    );
  }
  return out;
}
