import { type Command, Option } from "commander";
import type { EventRow } from "../../protocol/api/events.ts";
import { withApiOptions } from "../api.ts";
import { followOptions, type ListFlags, limitOption, printTimeList, timeOptions } from "../follow.ts";
import { outputOption } from "../output.ts";

interface EventsFlags extends ListFlags {
  host?: string;
  container?: string;
  action?: string;
}

// Attributes worth a glance on one line; the rest (every label …) is in -o json.
const DETAILS = ["signal", "startedBy", "restartCount", "ranForMs"];

/** docker events' line: time, host, type, action, who, then (image=…, exitCode=…, …). */
export function formatEvent(e: EventRow): string {
  const details = [
    ...(e.image ? [`image=${e.image}`] : []),
    ...(e.exitCode === null ? [] : [`exitCode=${e.exitCode}`]),
    // health_status: healthy, exec_start: sh -c …: the part of the action after its colon.
    ...[e.action, ...DETAILS]
      .filter((k) => e.attributes[k] !== undefined)
      .map((k) => `${k}=${e.attributes[k]}`),
  ];
  const who = e.containerName || e.containerId.slice(0, 12);
  return `${e.time} ${e.host} ${e.type} ${e.action} ${who}${details.length ? ` (${details.join(", ")})` : ""}`;
}

export function registerEvents(program: Command): void {
  const cmd = program
    .command("events")
    .description(
      "Docker events of the fleet (start, die, oom, kill, health_status …), oldest first; -f follows",
    );
  withApiOptions(cmd)
    .addOption(new Option("--host <name>", "only this host's").env("FLEETSCOPE_HOST"))
    .addOption(
      new Option("--container <name>", "only this container's (name, id or id prefix)").env(
        "FLEETSCOPE_CONTAINER",
      ),
    )
    .addOption(
      new Option("--action <actions>", "only these actions, comma-separated: die,oom").env(
        "FLEETSCOPE_ACTION",
      ),
    );
  for (const o of [...timeOptions("24h"), ...followOptions("events"), limitOption(), outputOption()])
    cmd.addOption(o);
  cmd.action(async (f: EventsFlags) => {
    const { host, container, action } = f;
    const list = { path: "/api/v1/events", key: "events", params: { host, container, action } };
    await printTimeList<EventRow>(f, list, (e) => JSON.stringify(e), formatEvent);
  });
}
