// `i`: what the inventory knows about a container — image, state, limits, restart policy,
// log driver, labels, when it was first and last seen.
import React from "react";
import type { ContainerDetail } from "../api-types.ts";
import { type Line, seg, TextPanel } from "../components/text-panel.ts";
import { bytes } from "../format.ts";
import { useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;

export function inspectLines(c: ContainerDetail): Line[] {
  const field = (name: string, value: string, color?: string): Line => [
    seg(`  ${name.padEnd(15)} `, { dim: true }),
    seg(value, { color }),
  ];
  return [
    [seg(c.name, { bold: true }), seg(` on ${c.host}`)],
    field("id", c.id),
    field("image", c.image),
    field("state", c.state, c.state === "running" ? "green" : "yellow"),
    field("exit code", c.exitCode === null ? "-" : String(c.exitCode)),
    field("OOMKilled", c.oomKilled ? "yes" : "no", c.oomKilled ? "red" : undefined),
    field("created", c.created),
    field("memory limit", c.memoryLimitBytes ? bytes(c.memoryLimitBytes) : "none"),
    field("cpu limit", c.cpuLimitCores ? `${c.cpuLimitCores} cores` : "none"),
    field("restart policy", c.restartPolicy || "-"),
    field("log driver", c.logDriver || "-"),
    field("first seen", c.firstSeen),
    field("last seen", c.lastSeen),
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
  description: "the container's inventory record: image, state, limits, restart policy, labels",
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
