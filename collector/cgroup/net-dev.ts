import { join } from "node:path";
import type { InterfaceStats } from "../../protocol/records.ts";
import { type ReadFile, readOptional } from "./stats.ts";

/**
 * /proc/<pid>/net/dev: two header lines, then `iface: rx_bytes rx_packets … tx_bytes …` (8 receive
 * columns, then 8 transmit ones). Sums every interface but loopback, which is traffic the container
 * sends itself.
 */
export function parseNetDev(text: string | undefined): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  for (const line of (text ?? "").split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    if (iface === "lo" || iface.includes("|")) continue;
    // Split after the colon: with large counters the kernel prints `eth0:123456789` with no space.
    const cols = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    const rx = cols[0];
    const tx = cols[8];
    if (rx === undefined || tx === undefined || !Number.isFinite(rx) || !Number.isFinite(tx)) continue;
    rxBytes += rx;
    txBytes += tx;
  }
  return { rxBytes, txBytes };
}

/** Network counters of the network namespace `pid` lives in; zeros when the process is gone. */
export async function readNetDev(
  procRoot: string,
  pid: number,
): Promise<{ rxBytes: number; txBytes: number }> {
  return parseNetDev(readOptional(join(procRoot, String(pid), "net", "dev")));
}

/**
 * /proc/<pid>/net/dev per interface, loopback excluded: receive columns are bytes, packets, errs,
 * drop, fifo, frame, compressed, multicast; transmit ones bytes, packets, errs, drop, fifo, colls,
 * carrier, compressed. Sorted by name.
 */
export function parseNetDevInterfaces(text: string | undefined): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of (text ?? "").split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === "lo" || name.includes("|") || name === "") continue;
    const c = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (c.length < 16 || c.some((n) => !Number.isFinite(n))) continue;
    const col = (i: number) => c[i] as number;
    out.push({
      name,
      rxBytes: col(0),
      rxPackets: col(1),
      rxErrors: col(2),
      rxDropped: col(3),
      txBytes: col(8),
      txPackets: col(9),
      txErrors: col(10),
      txDropped: col(11),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Per-interface counters of the network namespace `pid` lives in; empty when the process is gone. */
export async function readNetDevInterfaces(
  procRoot: string,
  pid: number,
  read: ReadFile = readOptional,
): Promise<InterfaceStats[]> {
  return parseNetDevInterfaces(read(join(procRoot, String(pid), "net", "dev")));
}
