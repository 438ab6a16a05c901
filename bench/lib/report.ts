import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "../../test/helpers/stack.ts";

/**
 * Replaces this benchmark's section of BENCHMARKS.md (between its markers), leaving the other
 * benchmarks' sections as they are.
 */
export async function writeBenchSection(id: string, markdown: string): Promise<void> {
  const file = join(REPO, "BENCHMARKS.md");
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  let text = await readFile(file, "utf8").catch(
    () =>
      "# Benchmarks\n\nEach section is written by the bench script it names; rerun the command to refresh it.\n",
  );
  const section = `${start}\n${markdown.trim()}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  text =
    a >= 0 && b > a
      ? text.slice(0, a) + section + text.slice(b + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(file, text);
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** CPU seconds (user+system) and RSS of a process, from /proc. */
export async function processUsage(pid: number): Promise<{ cpuSeconds: number; rssBytes: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rssPages = Number(stat[21]);
  return { cpuSeconds: ticks / 100, rssBytes: rssPages * 4096 };
}

/** CPU seconds (user+system, all threads) of a process, read synchronously. */
function cpuSecondsNow(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

/** VmHWM: the kernel's own peak RSS of the process since it started (catches spikes between samples). */
function peakRssSinceStart(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb ?? 0) * 1024;
}

/**
 * Watches a process from now until stop(): CPU used in exactly that window (read at both ends),
 * and its peak RSS — sampled every `everyMs`, or the kernel's VmHWM when `sinceStart` says the
 * process was started for this window, so its lifetime peak is the window's peak.
 */
export function watchProcess(pid: number, { everyMs = 200, sinceStart = false } = {}) {
  let peakRss = 0;
  const cpu0 = cpuSecondsNow(pid);
  const t0 = performance.now();
  const timer = setInterval(async () => {
    const u = await processUsage(pid).catch(() => undefined);
    if (u) peakRss = Math.max(peakRss, u.rssBytes);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const wall = (performance.now() - t0) / 1000;
      const cpuSeconds = cpuSecondsNow(pid) - cpu0;
      if (sinceStart) peakRss = Math.max(peakRss, peakRssSinceStart(pid));
      return { peakRssBytes: peakRss, cpuSeconds, cpuCores: cpuSeconds / wall };
    },
  };
}

export const median = (xs: number[]) => percentile(xs, 50);

export const MiB = 1024 * 1024;
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A bench's --name value as a whole number ≥ 1, or an error naming the flag. */
export function wholeArg(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name}: ${JSON.stringify(v)} is not a whole number ≥ 1`);
  return n;
}
