// `fleetscope why` for a terminal: the answer of GET /api/v1/why, readable at a glance. The
// wording shared with the TUI's why view (restarts, memory figures, the host's other events)
// lives here too, so both say the same thing.

import { renderSafe } from "../../collector/logs/sanitize.ts";
import { counted, humanDuration, nanosToMs, rfc3339ToNanos } from "../../protocol/time.ts";

export interface WhyMemory {
  limitBytes: number;
  sampledPeakBytes: number | null;
  maxUsageBytes: number | null;
  killedAtBytes: number | null;
  note: string | null;
}

export interface WhyHostEvent {
  time: string;
  action: string;
  containerName: string;
  exitCode: number | null;
  count?: number;
  attributes?: Record<string, string>;
}

interface WhyAnswer {
  host: string;
  container: { name?: unknown; image?: unknown; id?: unknown; restartPolicy?: unknown };
  event: {
    time: string;
    exitCode: number | null;
    signal: string | null;
    oomKilled: boolean;
    cause: string;
    ranForMs?: number | null;
    restartPolicy?: string;
    oomKill?: { pid: number; process: string; usageBytes: number; limitBytes: number } | null;
  };
  memoryLimitBytes: number;
  memory?: WhyMemory;
  lastLogs: { time: string; stream: string; source: string; body: string }[];
  samples: { time: string; memoryWorkingSetBytes: number; cpuCores: number }[];
  restarts: { startsInLastHour: number; byDaemonInLastHour?: number };
  processes: {
    pid: number;
    nsPid: number;
    user: string;
    cpuPercent: number;
    rssBytes: number;
    cmdline: string;
  }[];
  hostEvents: WhyHostEvent[];
  hiddenExecEvents?: number;
}

const BARS = "▁▂▃▄▅▆▇█";
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const clock = (t: string) => t.slice(11, 23);

/** One character per value, scaled to `top` (the limit when there is one). */
export function sparkline(values: number[], top: number): string {
  if (top <= 0) return "";
  return values
    .map((v) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.floor((v / top) * BARS.length)))])
    .join("");
}

/** "3 starts in the last hour, 2 by the daemon". */
export function restartsText(r: { startsInLastHour: number; byDaemonInLastHour?: number }): string {
  const byDaemon = r.byDaemonInLastHour !== undefined ? `, ${r.byDaemonInLastHour} by the daemon` : "";
  return `${counted(r.startsInLastHour, "start")} in the last hour${byDaemon}`;
}

/**
 * The memory figures beyond the sampled peak, each line for a person: the cgroup's high-water
 * mark, the kernel's figure at the kill, and why the samples read lower (`size` formats bytes).
 */
export function memoryDetail(m: WhyMemory | undefined, size: (b: number) => string): string[] {
  if (!m) return [];
  const figures = [
    m.maxUsageBytes !== null ? `cgroup max usage ${size(m.maxUsageBytes)}` : "",
    m.killedAtBytes !== null
      ? `at the kill ${size(m.killedAtBytes)}${m.limitBytes ? ` of ${size(m.limitBytes)}` : ""} (the kernel's figure)`
      : "",
  ].filter(Boolean);
  return [...(figures.length > 0 ? [figures.join(";  ")] : []), ...(m.note ? [m.note] : [])];
}

/** A neighbour's event: its time, how long before (−) or after (+) the death, what, whose, how often. */
export function hostEventText(ev: WhyHostEvent, deathTime: string): string {
  const t = rfc3339ToNanos(ev.time);
  const d = rfc3339ToNanos(deathTime);
  const offset = t !== undefined && d !== undefined ? nanosToMs(t - d) : undefined;
  const rel = offset === undefined ? "" : `${offset > 0 ? "+" : ""}${humanDuration(offset)}`;
  // health_status: the status it changed to (the collector keeps it as an attribute of that name).
  const status = ev.action === "health_status" ? ev.attributes?.health_status : undefined;
  const what = `${ev.action}${status ? `: ${status}` : ""}${(ev.count ?? 1) > 1 ? ` ×${ev.count}` : ""}`;
  const exit = ev.exitCode !== null ? ` (exit ${ev.exitCode})` : "";
  return `${clock(ev.time)} ${rel.padStart(9)}  ${what.padEnd(22)} ${ev.containerName}${exit}`;
}

/** "12 exec events (health checks, docker exec) left out; <how> shows them", or nothing. */
export function hiddenExecsText(n: number | undefined, how: string): string {
  return n ? `${counted(n, "exec event")} (health checks, docker exec) left out; ${how} shows them` : "";
}

export function renderWhy(a: WhyAnswer, width = 100): string {
  const out: string[] = [];
  const e = a.event;
  out.push(`${a.container.name} (${a.container.image}) on ${a.host} died at ${e.time}`);
  out.push(`  cause:     ${e.cause}`);
  const policy = e.restartPolicy || a.container.restartPolicy;
  out.push(
    `  exit code: ${e.exitCode ?? "?"}${e.signal ? ` (${e.signal})` : ""}   OOMKilled: ${e.oomKilled ? "yes" : "no"}` +
      `${e.ranForMs != null ? `   ran for: ${humanDuration(e.ranForMs)}` : ""}`,
  );
  if (e.oomKill)
    out.push(
      `  kernel:    killed ${e.oomKill.process} (pid ${e.oomKill.pid}) at ${mib(e.oomKill.usageBytes)} of ${mib(e.oomKill.limitBytes)}`,
    );
  out.push(`  restarts:  ${restartsText(a.restarts)}${policy ? `   restart policy: ${policy}` : ""}`);
  out.push(...memoryLines(a, width));
  out.push("", `last ${counted(a.lastLogs.length, "line")} before it:`);
  for (const l of a.lastLogs)
    out.push(
      `  ${clock(l.time)} ${(l.stream || l.source).padEnd(7)} ${renderSafe(l.body, { singleLine: true }).slice(0, width - 22)}`,
    );
  if (a.processes.length > 0) {
    out.push("", "processes at the last sample (host pid / container pid):");
    for (const p of a.processes.slice(0, 10)) {
      out.push(
        `  ${String(p.pid).padStart(7)} ${String(p.nsPid).padStart(5)} ${p.user.padEnd(8)} ${p.cpuPercent.toFixed(1).padStart(5)}% ${mib(p.rssBytes).padStart(10)}  ${renderSafe(p.cmdline, { singleLine: true }).slice(0, width - 50)}`,
      );
    }
  }
  out.push("", `other events on ${a.host} just before it (newest first):`);
  if (a.hostEvents.length === 0) out.push("  none");
  for (const ev of a.hostEvents.slice(0, 15)) out.push(`  ${hostEventText(ev, e.time)}`);
  const hidden = hiddenExecsText(a.hiddenExecEvents, "--execs");
  if (hidden) out.push(`  (${hidden})`);
  // Names, images, process names come from the store: show any control character, never run it.
  return `${renderSafe(out.join("\n"))}\n`;
}

function memoryLines(a: WhyAnswer, width: number): string[] {
  const mem = a.samples.map((s) => s.memoryWorkingSetBytes);
  if (mem.length === 0) return [];
  const top = a.memoryLimitBytes || Math.max(...mem);
  const peak = Math.max(...mem);
  const cpu = a.samples.map((s) => s.cpuCores);
  return [
    "",
    `memory (working set) against ${a.memoryLimitBytes ? `its limit ${mib(a.memoryLimitBytes)}` : "its peak (no limit)"}:`,
    `  ${sparkline(mem.slice(-(width - 20)), top)}  peak ${mib(peak)}${a.memoryLimitBytes ? ` = ${Math.round((100 * peak) / a.memoryLimitBytes)} % of the limit` : ""} (${counted(mem.length, "sample")})`,
    ...memoryDetail(a.memory, mib).map((l) => `  ${l}`),
    `cpu (cores): ${sparkline(cpu.slice(-(width - 20)), Math.max(1, ...cpu))}  peak ${Math.max(...cpu).toFixed(2)}`,
  ];
}
