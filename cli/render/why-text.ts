// `fleetscope why` for a terminal: the answer of GET /api/v1/why, readable at a glance. The
// wording it shares with the TUI's why view is in client/why-phrases.ts.

import { clock } from "../../client/format.ts";
import { renderSafe } from "../../client/render-safe.ts";
import { sparkline } from "../../client/spark.ts";
import {
  hiddenExecsText,
  hostEventsHeading,
  hostEventText,
  memoryDetail,
  restartsText,
} from "../../client/why-phrases.ts";
import type { WhyAnswer } from "../../protocol/api/why.ts";
import { counted, humanDuration } from "../../protocol/time.ts";

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

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
      `  ${clock(l.time, true)} ${(l.stream || l.source).padEnd(7)} ${renderSafe(l.body, { singleLine: true }).slice(0, width - 22)}`,
    );
  if (a.processes.length > 0) {
    out.push("", "processes at the last sample (host pid / container pid):");
    for (const p of a.processes.slice(0, 10)) {
      out.push(
        `  ${String(p.pid).padStart(7)} ${String(p.nsPid).padStart(5)} ${p.user.padEnd(8)} ${p.cpuPercent.toFixed(1).padStart(5)}% ${mib(p.rssBytes).padStart(10)}  ${renderSafe(p.cmdline, { singleLine: true }).slice(0, width - 50)}`,
      );
    }
  }
  out.push("", hostEventsHeading(a.host));
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
