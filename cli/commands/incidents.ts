import { type Command, Option } from "commander";
import type { IncidentRow } from "../../protocol/api/incidents.ts";
import { withApiOptions } from "../api.ts";
import { followOptions, type ListFlags, limitOption, printTimeList, timeOptions } from "../follow.ts";
import { outputOption } from "../output.ts";

interface IncidentsFlags extends ListFlags {
  host?: string;
  container?: string;
  kind?: string;
}

/** When it began, where (- for a fleet-wide one), what kind, open or resolved, who, what happened (×count). */
export function formatIncident(i: IncidentRow): string {
  const who = i.containerName || i.unit;
  const count = i.count > 1 ? ` (×${i.count})` : "";
  return `${i.time} ${i.host || "-"} ${i.kind} ${i.status}${who ? ` ${who}:` : ""} ${i.summary}${count}`;
}

export function registerIncidents(program: Command): void {
  const cmd = program
    .command("incidents")
    .description(
      "incidents the aggregator detected (oom, exit, crash-loop, unit-failed …), oldest first; -f prints new ones as they are detected",
    );
  withApiOptions(cmd)
    .addOption(
      new Option("--kind <kind>", "only this kind: oom, exit, crash-loop, unit-failed …").env(
        "FLEETSCOPE_KIND",
      ),
    )
    .addOption(new Option("--host <name>", "only this host's").env("FLEETSCOPE_HOST"))
    .addOption(
      new Option("--container <name>", "only this container's (name, id or id prefix)").env(
        "FLEETSCOPE_CONTAINER",
      ),
    );
  for (const o of [...timeOptions("24h"), ...followOptions("incidents"), limitOption(), outputOption()])
    cmd.addOption(o);
  cmd.action(async (f: IncidentsFlags) => {
    const { host, container, kind } = f;
    const list = { path: "/api/v1/incidents", key: "incidents", params: { host, container, kind } };
    // Printed once, when first seen: its count and status change later (-o json has them).
    await printTimeList<IncidentRow>(f, list, (i) => i.id, formatIncident);
  });
}
