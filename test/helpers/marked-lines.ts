// Numbered lines `<marker> <i>` sent to a collector's syslog receiver over TCP (no container
// needed), and where they were stored: which numbers each aggregator holds.
import { createConnection } from "node:net";
import type { LogLine } from "../../protocol/api/logs.ts";
import { numbersOf } from "./numbered-lines.ts";
import { getJson } from "./stack.ts";

/** Sends `<marker> from` … `<marker> to` as RFC 5424 lines (no timestamp: stamped on receipt). */
export async function sendMarkedLines(port: number, marker: string, from: number, to: number): Promise<void> {
  const socket = createConnection(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const lines: string[] = [];
  for (let i = from; i <= to; i++) lines.push(`<14>1 - probe probe 1 - - ${marker} ${i}\n`);
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("close", () => resolve());
    socket.end(lines.join(""));
  });
}

/** The marker numbers an aggregator stores, sorted (a number twice stays twice). */
export async function storedMarkers(url: string, marker: string): Promise<number[]> {
  const { logs } = await getJson<{ logs: LogLine[] }>(
    url,
    `/api/v1/logs?q=${encodeURIComponent(marker)}&since=1h&limit=10000`,
  );
  return numbersOf(logs, marker).sort((a, b) => a - b);
}

/** from..to */
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
