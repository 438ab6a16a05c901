// "Why did it die?" for the selected container (or incident): the event, exit code and OOM,
// a chart of memory against its limit and of CPU, restart history, the last lines before it.
import React, { useState } from "react";
import { hiddenExecsText, hostEventText, memoryDetail, restartsText } from "../../cli/render/why-text.ts";
import { renderSafe } from "../../collector/logs/sanitize.ts";
import { counted, humanDuration } from "../../protocol/time.ts";
import { ApiError } from "../api-client.ts";
import type { WhyAnswer } from "../api-types.ts";
import { chartRows } from "../chart.ts";
import { type Line, seg, TextPanel } from "../components/text-panel.ts";
import { bytes, clock } from "../format.ts";
import { useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
const AXIS = 8;

/** A chart with its scale on the left: the top value on the first row, 0 on the last. */
function chart(
  values: number[],
  top: number,
  label: (v: number) => string,
  width: number,
  rows: number,
): Line[] {
  return chartRows(values, top, width - AXIS - 2, rows).map((row, i) => [
    seg(`${i === 0 ? label(top) : i === rows - 1 ? "0" : ""}`.padStart(AXIS), { dim: true }),
    seg(" ┤", { dim: true }),
    seg(row, { color: i === 0 && top > 0 ? "red" : "cyan" }),
  ]);
}

/** The memory chart against the limit (with the figures the samples miss) and the CPU chart. */
function memoryLines(a: WhyAnswer, width: number): Line[] {
  const mem = a.samples.map((s) => s.memoryWorkingSetBytes);
  const cpu = a.samples.map((s) => s.cpuCores);
  if (mem.length === 0) return [];
  const out: Line[] = [];
  const peak = Math.max(...mem);
  const limit = a.memoryLimitBytes;
  out.push(
    [],
    [
      seg("memory (working set) against ", { bold: true }),
      seg(limit ? `its limit ${bytes(limit)}` : "its peak (no limit)", { bold: true }),
      seg(`  peak ${bytes(peak)}${limit ? ` = ${Math.round((100 * peak) / limit)} % of the limit` : ""}`),
    ],
  );
  for (const l of memoryDetail(a.memory, bytes)) out.push([seg(`  ${l}`, { color: "yellow" })]);
  out.push(...chart(mem, limit || peak, bytes, width, 6));
  const cpuPeak = Math.max(...cpu);
  out.push([seg("cpu (cores)", { bold: true }), seg(`  peak ${cpuPeak.toFixed(2)}`)]);
  out.push(...chart(cpu, Math.max(cpuPeak, 0.01), (v) => v.toFixed(2), width, 3));
  const first = a.samples[0]?.time ?? "";
  const last = a.samples[a.samples.length - 1]?.time ?? "";
  out.push([
    seg(`${" ".repeat(AXIS + 2)}${clock(first)} … ${clock(last)} (${counted(a.samples.length, "sample")})`, {
      dim: true,
    }),
  ]);
  return out;
}

export function whyLines(a: WhyAnswer, width: number): Line[] {
  const e = a.event;
  const out: Line[] = [];
  const name = renderSafe(String(a.container.name ?? a.container.id ?? "?"));
  out.push([
    seg(name, { bold: true }),
    seg(renderSafe(` (${a.container.image}) on ${a.host} died at ${e.time.slice(0, 23).replace("T", " ")}`)),
  ]);
  out.push([seg("  cause:     "), seg(e.cause, { color: "red", bold: true })]);
  out.push([
    seg("  exit code: "),
    seg(`${e.exitCode ?? "?"}${e.signal ? ` (${e.signal})` : ""}`, { bold: true }),
    seg("   OOMKilled: "),
    seg(e.oomKilled ? "yes" : "no", { bold: true, color: e.oomKilled ? "red" : undefined }),
    seg(e.ranForMs != null ? `   ran for: ${humanDuration(e.ranForMs)}` : ""),
  ]);
  if (e.oomKill)
    out.push([
      seg("  kernel:    "),
      seg(renderSafe(`killed ${e.oomKill.process} (pid ${e.oomKill.pid})`), { color: "red" }),
      seg(` at ${bytes(e.oomKill.usageBytes)} of ${bytes(e.oomKill.limitBytes)}`),
    ]);
  const policy = e.restartPolicy || a.container.restartPolicy;
  out.push([
    seg(`  restarts:  ${restartsText(a.restarts)}`),
    seg(policy ? `   restart policy: ${policy}` : ""),
  ]);
  out.push(...memoryLines(a, width));
  out.push([], [seg("restart history (the hour before):", { bold: true })]);
  if (a.restarts.history.length === 0) out.push([seg("  none", { dim: true })]);
  for (const ev of a.restarts.history.slice(-10))
    out.push([
      seg(`  ${clock(ev.time)} `),
      seg(ev.action, { color: ev.action === "die" ? "red" : "green" }),
      seg(ev.exitCode !== null ? ` (exit ${ev.exitCode})` : ""),
    ]);
  out.push([], [seg(`last ${counted(a.lastLogs.length, "line")} before it:`, { bold: true })]);
  for (const l of a.lastLogs)
    out.push([
      seg(`  ${clock(l.time, true)} `, { dim: true }),
      seg(`${(l.stream || l.source).padEnd(7)} `, { color: l.stream === "stderr" ? "red" : undefined }),
      seg(renderSafe(l.body, { singleLine: true })),
    ]);
  if (a.processes.length > 0) {
    out.push([], [seg("processes at the last sample (host pid / container pid):", { bold: true })]);
    for (const p of a.processes.slice(0, 10))
      out.push([
        seg(
          renderSafe(
            `  ${String(p.pid).padStart(7)} ${String(p.nsPid).padStart(5)} ${p.user.padEnd(8)} ${p.cpuPercent.toFixed(1).padStart(5)}% ${bytes(p.rssBytes).padStart(6)}  ${p.cmdline}`,
            { singleLine: true },
          ),
        ),
      ]);
  }
  out.push(...neighbourLines(a));
  return out;
}

/** Other containers' events just before the death, newest first, and how many execs were left out. */
function neighbourLines(a: WhyAnswer): Line[] {
  const out: Line[] = [];
  out.push([], [seg(renderSafe(`other events on ${a.host} just before it (newest first):`), { bold: true })]);
  if (a.hostEvents.length === 0) out.push([seg("  none", { dim: true })]);
  for (const ev of a.hostEvents.slice(0, 15))
    out.push([
      seg(`  ${renderSafe(hostEventText(ev, a.event.time))}`, {
        color: /^(die|oom|kill)/.test(ev.action) ? "red" : undefined,
      }),
    ]);
  const hidden = hiddenExecsText(a.hiddenExecEvents, "x");
  if (hidden) out.push([seg(`  (${hidden})`, { dim: true })]);
  return out;
}

function Why() {
  const { client, frame, push, width } = useShell();
  // `at` is passed on exactly as the list that opened this view got it (nine fractional digits).
  const { host, container, at } = frame.ctx;
  const [execs, setExecs] = useState(false);
  const data = usePoll(
    `why ${host} ${container} ${at} ${execs}`,
    async () => {
      try {
        const params = { container, host, at, lines: 30, execs: execs ? "true" : undefined };
        return await client.get<WhyAnswer>("/api/v1/why", params);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return { notDead: err.message };
        throw err;
      }
    },
    { isEmpty: (d) => "notDead" in d, emptyMessage: "no death of this container is recorded" },
  );
  const lines: Line[] =
    data === undefined
      ? []
      : "notDead" in data
        ? [[seg(renderSafe(data.notDead), { color: "yellow" })]]
        : whyLines(data, width);
  return h(TextPanel, {
    lines,
    onKey: (input) => {
      if (input === "x") {
        setExecs((v) => !v);
        return true;
      }
      const next = { l: "logs", e: "events", i: "inspect", P: "processes" }[input];
      if (!next) return false;
      push(next, { host, container, containerName: frame.ctx.containerName });
      return true;
    },
  });
}

export const whyView: ViewPlugin = {
  id: "why",
  name: "why",
  description:
    "why the container died: event, exit code, OOM, memory against its limit, CPU, restarts, last lines",
  crumb: (ctx) => `why ${ctx.containerName ?? ctx.container ?? ""}`.trim(),
  needsContainer: true,
  keys: [
    ["↑ ↓ PgUp PgDn", "scroll"],
    ["l", "its logs"],
    ["e", "its events"],
    ["i", "inspect it"],
    ["P", "its processes"],
    ["x", "show or hide exec events (health checks, docker exec) among the host's other events"],
  ],
  footer: [
    ["l", "logs"],
    ["e", "events"],
  ],
  Component: Why,
};
