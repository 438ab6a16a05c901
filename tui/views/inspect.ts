// `i`: what the inventory knows about a container — what `docker inspect` shows an operator
// (command, health, ports, mounts, environment with secret values masked by the collector),
// image, state, limits, restart policy, log driver, labels, when it was first and last seen.
import React from "react";
import { renderSafe } from "../../collector/logs/sanitize.ts";
import type { ContainerDetail } from "../api-types.ts";
import { type Line, seg, TextPanel } from "../components/text-panel.ts";
import { bytes } from "../format.ts";
import { useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
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

function Inspect() {
  const { client, frame, push } = useShell();
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
  return h(TextPanel, {
    lines,
    onKey: (input) => {
      const next = { l: "logs", w: "why", e: "events", P: "processes" }[input];
      if (!next) return false;
      push(next, frame.ctx);
      return true;
    },
  });
}

export const inspectView: ViewPlugin = {
  id: "inspect",
  name: "inspect",
  description:
    "the container's inventory record: command, env, ports, mounts, health, limits, restart policy",
  crumb: (ctx) => `inspect ${ctx.containerName ?? ctx.container ?? ""}`.trim(),
  needsContainer: true,
  keys: [
    ["l", "its logs"],
    ["w", "why it died"],
    ["e", "its events"],
    ["P", "its processes"],
  ],
  footer: [
    ["l", "logs"],
    ["w", "why"],
  ],
  Component: Inspect,
};
