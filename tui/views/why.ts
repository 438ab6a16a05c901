// "Why did it die?" for the selected container (or incident): the event, exit code and OOM,
// a chart of memory against its limit and of CPU, restart history, the last lines before it.
import React, { useState } from "react";
import { ApiError } from "../../client/api-client.ts";
import { bytes, clock } from "../../client/format.ts";
import { renderSafe } from "../../client/render-safe.ts";
import {
  hiddenExecsText,
  hostEventsHeading,
  hostEventText,
  memoryDetail,
  restartsText,
} from "../../client/why-phrases.ts";
import type { WhyAnswer } from "../../protocol/api/why.ts";
import { counted, humanDuration } from "../../protocol/time.ts";
import { chartRows } from "../chart.ts";
import { type Line, seg, TextPanel } from "../components/text-panel.ts";
import { keyActions, keyHandler } from "../keys.ts";
import { type Shell, useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewId } from "./registry.ts";
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

/** Who died where and when, the cause, the exit, the kernel's report and the restarts. */
function eventLines(a: WhyAnswer): Line[] {
  const e = a.event;
  const name = renderSafe(String(a.container.name ?? a.container.id ?? "?"));
  const policy = e.restartPolicy || a.container.restartPolicy;
  return [
    [
      seg(name, { bold: true }),
      seg(
        renderSafe(` (${a.container.image}) on ${a.host} died at ${e.time.slice(0, 23).replace("T", " ")}`),
      ),
    ],
    [seg("  cause:     "), seg(e.cause, { color: "red", bold: true })],
    [
      seg("  exit code: "),
      seg(`${e.exitCode ?? "?"}${e.signal ? ` (${e.signal})` : ""}`, { bold: true }),
      seg("   OOMKilled: "),
      seg(e.oomKilled ? "yes" : "no", { bold: true, color: e.oomKilled ? "red" : undefined }),
      seg(e.ranForMs != null ? `   ran for: ${humanDuration(e.ranForMs)}` : ""),
    ],
    ...(e.oomKill
      ? [
          [
            seg("  kernel:    "),
            seg(renderSafe(`killed ${e.oomKill.process} (pid ${e.oomKill.pid})`), { color: "red" }),
            seg(` at ${bytes(e.oomKill.usageBytes)} of ${bytes(e.oomKill.limitBytes)}`),
          ],
        ]
      : []),
    [seg(`  restarts:  ${restartsText(a.restarts)}`), seg(policy ? `   restart policy: ${policy}` : "")],
  ];
}

/** Its starts and deaths in the hour before, the oldest of the last ten first. */
function restartHistoryLines(a: WhyAnswer): Line[] {
  const out: Line[] = [[], [seg("restart history (the hour before):", { bold: true })]];
  if (a.restarts.history.length === 0) out.push([seg("  none", { dim: true })]);
  for (const ev of a.restarts.history.slice(-10))
    out.push([
      seg(`  ${clock(ev.time)} `),
      seg(ev.action, { color: ev.action === "die" ? "red" : "green" }),
      seg(ev.exitCode !== null ? ` (exit ${ev.exitCode})` : ""),
    ]);
  return out;
}

/** The last lines it wrote, stderr in red, each on one line with its controls made visible. */
function lastLogLines(a: WhyAnswer): Line[] {
  return [
    [],
    [seg(`last ${counted(a.lastLogs.length, "line")} before it:`, { bold: true })],
    ...a.lastLogs.map((l) => [
      seg(`  ${clock(l.time, true)} `, { dim: true }),
      seg(`${(l.stream || l.source).padEnd(7)} `, { color: l.stream === "stderr" ? "red" : undefined }),
      seg(renderSafe(l.body, { singleLine: true })),
    ]),
  ];
}

/** Its processes at the last sample (the first ten), when there was one. */
function processLines(a: WhyAnswer): Line[] {
  if (a.processes.length === 0) return [];
  return [
    [],
    [seg("processes at the last sample (host pid / container pid):", { bold: true })],
    ...a.processes
      .slice(0, 10)
      .map((p) => [
        seg(
          renderSafe(
            `  ${String(p.pid).padStart(7)} ${String(p.nsPid).padStart(5)} ${p.user.padEnd(8)} ${p.cpuPercent.toFixed(1).padStart(5)}% ${bytes(p.rssBytes).padStart(6)}  ${p.cmdline}`,
            { singleLine: true },
          ),
        ),
      ]),
  ];
}

export function whyLines(a: WhyAnswer, width: number): Line[] {
  return [
    ...eventLines(a),
    ...memoryLines(a, width),
    ...restartHistoryLines(a),
    ...lastLogLines(a),
    ...processLines(a),
    ...neighbourLines(a),
  ];
}

/** Other containers' events just before the death, newest first, and how many execs were left out. */
function neighbourLines(a: WhyAnswer): Line[] {
  const out: Line[] = [];
  out.push([], [seg(renderSafe(hostEventsHeading(a.host)), { bold: true })]);
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

/** What why's keys act on: the shell, and the switch for exec events among the host's others. */
interface WhyTarget {
  shell: Shell;
  toggleExecs(): void;
}

/** The container's other views; `at` stays behind (it is about this death). */
const open =
  (view: ViewId) =>
  ({ shell }: WhyTarget) => {
    const { host, container, containerName } = shell.frame.ctx;
    shell.push(view, { host, container, containerName });
  };

const KEYS = keyActions<WhyTarget>([
  { key: "↑ ↓ PgUp PgDn", help: "scroll" },
  { key: "l", label: "logs", help: "its logs", run: open("logs") },
  { key: "e", label: "events", help: "its events", run: open("events") },
  { key: "i", help: "inspect it", run: open("inspect") },
  { key: "P", help: "its processes", run: open("processes") },
  {
    key: "x",
    help: "show or hide exec events (health checks, docker exec) among the host's other events",
    run: (t) => t.toggleExecs(),
  },
]);

function Why() {
  const shell = useShell();
  const { client, frame, width } = shell;
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
  return h(TextPanel, { lines, onKey: keyHandler(KEYS, { shell, toggleExecs: () => setExecs((v) => !v) }) });
}

export const whyView: ViewPlugin = {
  name: "why",
  description:
    "why the container died: event, exit code, OOM, memory against its limit, CPU, restarts, last lines",
  crumb: (ctx) => `why ${ctx.containerName ?? ctx.container ?? ""}`.trim(),
  needsContainer: true,
  keys: KEYS,
  Component: Why,
};
