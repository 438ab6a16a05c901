// `i`: what the inventory knows about a container — what `docker inspect` shows an operator
// (command, health, ports, mounts, environment with secret values masked by the collector),
// image, state, limits, restart policy, log driver, labels, when it was first and last seen.
import React from "react";
import { bytes } from "../../client/format.ts";
import { renderSafe } from "../../client/render-safe.ts";
import type { ContainerDetail } from "../../protocol/api/containers.ts";
import { type Line, seg, TextPanel } from "../components/text-panel.ts";
import { keyActions, keyHandler } from "../keys.ts";
import { type Shell, useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewId } from "./registry.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;

/** Every text from the API is shown on one line, its control characters made visible. */
const safe = (s: string) => renderSafe(s, { singleLine: true });

const field = (name: string, value: string, color?: string, dim?: boolean): Line => [
  seg(`  ${safe(name).padEnd(15)} `, { dim: true }),
  seg(safe(value), { color, dim }),
];

/** One value per line under the field's name; "none" when empty. */
const list = (name: string, values: string[] | undefined): Line[] =>
  values?.length
    ? values.map((v, i) => field(i === 0 ? name : "", v))
    : [field(name, "none", undefined, true)];

const HEALTH_COLOR: Record<string, string> = { healthy: "green", unhealthy: "red", starting: "yellow" };

/** Docker marks a stopped container "unhealthy" itself: only a running one's health is a check's result. */
function health(c: ContainerDetail): Line {
  if (!c.health) return field("health", "no health check", undefined, true);
  if (c.state !== "running") return field("health", `${c.health} (not running)`, undefined, true);
  return field("health", c.health, HEALTH_COLOR[c.health]);
}

export function inspectLines(c: ContainerDetail): Line[] {
  return [
    [seg(safe(c.name), { bold: true }), seg(` on ${safe(c.host)}`)],
    field("id", c.id),
    field("image", c.image),
    field("command", c.command || "-"),
    field("state", c.state, c.state === "running" ? "green" : "yellow"),
    health(c),
    field("exit code", c.exitCode === null ? "-" : String(c.exitCode)),
    field("OOMKilled", c.oomKilled ? "yes" : "no", c.oomKilled ? "red" : undefined),
    field("created", c.created),
    field("memory limit", c.memoryLimitBytes ? bytes(c.memoryLimitBytes) : "none"),
    field("cpu limit", c.cpuLimitCores ? `${c.cpuLimitCores} cores` : "none"),
    field("restart policy", c.restartPolicy || "-"),
    field("log driver", c.logDriver || "-"),
    field("first seen", c.firstSeen),
    field("last seen", c.lastSeen),
    ...list("ports", c.ports),
    ...list("mounts", c.mounts),
    ...list("env", c.env),
    [seg("  labels", { dim: true })],
    ...Object.entries(c.labels).map(([k, v]) => field(`    ${k}`, v)),
  ];
}

const open = (view: ViewId) => (shell: Shell) => shell.push(view, shell.frame.ctx);

const KEYS = keyActions<Shell>([
  { key: "l", label: "logs", help: "its logs", run: open("logs") },
  { key: "w", label: "why", help: "why it died", run: open("why") },
  { key: "e", help: "its events", run: open("events") },
  { key: "P", help: "its processes", run: open("processes") },
]);

function Inspect() {
  const shell = useShell();
  const { client, frame } = shell;
  const { host, container } = frame.ctx;
  const data = usePoll(`inspect ${host} ${container}`, () =>
    client.get<{ containers: ContainerDetail[] }>(
      `/api/v1/containers/${encodeURIComponent(container ?? "")}`,
      {
        host,
      },
    ),
  );
  const lines = (data?.containers ?? []).flatMap((c) => [...inspectLines(c), []]);
  return h(TextPanel, { lines, onKey: keyHandler(KEYS, shell) });
}

export const inspectView: ViewPlugin = {
  name: "inspect",
  description:
    "the container's inventory record: command, env, ports, mounts, health, limits, restart policy",
  crumb: (ctx) => `inspect ${ctx.containerName ?? ctx.container ?? ""}`.trim(),
  needsContainer: true,
  keys: KEYS,
  Component: Inspect,
};
