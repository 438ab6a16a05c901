// `fleetscope why` for a terminal: the answer of GET /api/v1/why, readable at a glance.

import { renderSafe } from "../../collector/logs/sanitize.ts";

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
  hostEvents: { time: string; action: string; containerName: string; exitCode: number | null }[];
}

const BARS = "▁▂▃▄▅▆▇█";
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const clock = (t: string) => t.slice(11, 23);
const duration = (ms: number) =>
  ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;

/** One character per value, scaled to `top` (the limit when there is one). */
export function sparkline(values: number[], top: number): string {
  if (top <= 0) return "";
  return values
    .map((v) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.floor((v / top) * BARS.length)))])
    .join("");
}

export function renderWhy(a: WhyAnswer, width = 100): string {
  const out: string[] = [];
  const e = a.event;
  out.push(`${a.container.name} (${a.container.image}) on ${a.host} died at ${e.time}`);
  out.push(`  cause:     ${e.cause}`);
  const policy = e.restartPolicy || a.container.restartPolicy;
  out.push(
    `  exit code: ${e.exitCode ?? "?"}${e.signal ? ` (${e.signal})` : ""}   OOMKilled: ${e.oomKilled ? "yes" : "no"}` +
      `${e.ranForMs != null ? `   ran for: ${duration(e.ranForMs)}` : ""}`,
  );
  if (e.oomKill)
    out.push(
      `  kernel:    killed ${e.oomKill.process} (pid ${e.oomKill.pid}) at ${mib(e.oomKill.usageBytes)} of ${mib(e.oomKill.limitBytes)}`,
    );
  out.push(
    `  restarts:  ${a.restarts.startsInLastHour} starts in the last hour` +
      `${a.restarts.byDaemonInLastHour !== undefined ? `, ${a.restarts.byDaemonInLastHour} by the daemon` : ""}` +
      `${policy ? `   restart policy: ${policy}` : ""}`,
  );
  const mem = a.samples.map((s) => s.memoryWorkingSetBytes);
  if (mem.length > 0) {
    const top = a.memoryLimitBytes || Math.max(...mem);
    const peak = Math.max(...mem);
    const chart = sparkline(mem.slice(-(width - 20)), top);
    out.push(
      "",
      `memory (working set) against ${a.memoryLimitBytes ? `its limit ${mib(a.memoryLimitBytes)}` : "its peak (no limit)"}:`,
    );
    out.push(
      `  ${chart}  peak ${mib(peak)}${a.memoryLimitBytes ? ` = ${Math.round((100 * peak) / a.memoryLimitBytes)} % of the limit` : ""}`,
    );
    const cpu = a.samples.map((s) => s.cpuCores);
    out.push(
      `cpu (cores): ${sparkline(cpu.slice(-(width - 20)), Math.max(1, ...cpu))}  peak ${Math.max(...cpu).toFixed(2)}`,
    );
  }
  out.push("", `last ${a.lastLogs.length} lines before it:`);
  for (const l of a.lastLogs)
    out.push(
      `  ${clock(l.time)} ${(l.stream || l.source).padEnd(7)} ${renderSafe(l.body, { singleLine: true }).slice(0, width - 22)}`,
    );
  if (a.processes.length > 0) {
    out.push("", "processes at the last sample (host pid / container pid):");
    for (const p of a.processes.slice(0, 10)) {
      out.push(
        `  ${String(p.pid).padStart(7)} ${String(p.nsPid).padStart(5)} ${p.user.padEnd(8)} ${p.cpuPercent.toFixed(1).padStart(5)}% ${mib(p.rssBytes).padStart(10)}  ${renderSafe(p.cmdline).slice(0, width - 50)}`,
      );
    }
  }
  out.push("", `other events on ${a.host} around it:`);
  if (a.hostEvents.length === 0) out.push("  none");
  for (const ev of a.hostEvents.slice(0, 15).reverse()) {
    out.push(
      `  ${clock(ev.time)} ${ev.action.padEnd(14)} ${ev.containerName}${ev.exitCode !== null ? ` (exit ${ev.exitCode})` : ""}`,
    );
  }
  return `${out.join("\n")}\n`;
}
