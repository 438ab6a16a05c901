import { type Command, Option } from "commander";
import { getAnswer } from "../../client/api-client.ts";
import { bytes } from "../../client/format.ts";
import type { ContainerDetail } from "../../protocol/api/containers.ts";
import { type ApiFlags, apiClient, withApiOptions } from "../api.ts";
import { type OutputFormat, outputOption, printJson, printText } from "../output.ts";

interface InspectFlags extends ApiFlags {
  host?: string;
  output: OutputFormat;
}

/** The inventory record; the fields after `restartPolicy` come from newer collectors only. */
export type InventoryRecord = ContainerDetail & {
  command?: string;
  env?: string[];
  ports?: string[];
  mounts?: string[];
  health?: string;
  restarts?: number;
};

const NOT_REPORTED = "(not reported by its collector)";

/** `name  value`, a list's further values under the first. */
function field(name: string, value: string | string[] | undefined, empty = "-"): string[] {
  const values = value === undefined ? [NOT_REPORTED] : typeof value === "string" ? [value || empty] : value;
  const [first = empty, ...rest] = values;
  return [`  ${name.padEnd(15)} ${first}`, ...rest.map((v) => `  ${"".padEnd(15)} ${v}`)];
}

export function inspectText(c: InventoryRecord): string[] {
  const restarts = c.restarts
    ? ` (the daemon restarted it ${c.restarts === 1 ? "once" : `${c.restarts} times`})`
    : "";
  return [
    `${c.name} on ${c.host}`,
    ...field("id", c.id),
    ...field("image", c.image),
    ...field("command", c.command),
    ...field("state", c.state),
    ...field("health", c.health, "no health check"),
    ...field("exit code", c.exitCode === null ? "-" : String(c.exitCode)),
    ...field("OOMKilled", c.oomKilled ? "yes" : "no"),
    ...field("created", c.created),
    ...field("restart policy", `${c.restartPolicy || "no"}${restarts}`),
    ...field("memory limit", c.memoryLimitBytes ? bytes(c.memoryLimitBytes) : "none"),
    ...field("cpu limit", c.cpuLimitCores ? `${c.cpuLimitCores} cores` : "none"),
    ...field("ports", c.ports, "none published"),
    ...field("mounts", c.mounts, "none"),
    ...field("env", c.env, "none"),
    ...field(
      "labels",
      Object.entries(c.labels).map(([k, v]) => `${k}=${v}`),
      "none",
    ),
    ...field("log driver", c.logDriver),
    ...field("first seen", c.firstSeen),
    ...field("last seen", c.lastSeen),
  ];
}

export function registerInspect(program: Command): void {
  const cmd = program
    .command("inspect")
    .description(
      "a container's inventory record like docker inspect: command, env (secrets masked at the collector), ports, mounts, restart policy, health, state, exit code, OOMKilled, limits; works after docker rm",
    )
    .argument("<container>", "container name, id or id prefix");
  withApiOptions(cmd)
    .addOption(new Option("--host <name>", "the host it ran on, when several had it").env("FLEETSCOPE_HOST"))
    .addOption(outputOption("json (an array, like docker inspect) for scripts"))
    .action(async (container: string, f: InspectFlags) => {
      const { containers } = await getAnswer<{ containers: InventoryRecord[] }>(
        apiClient(f),
        `/api/v1/containers/${encodeURIComponent(container)}`,
        { host: f.host },
        "containers",
      );
      if (f.output === "json") printJson(containers, 2);
      else printText(containers.map((c) => inspectText(c).join("\n")).join("\n\n"));
    });
}
