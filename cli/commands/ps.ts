import { type Command, Option } from "commander";
import { getAnswer } from "../../client/api-client.ts";
import { bytes, duration } from "../../client/format.ts";
import type { ContainerOverview } from "../../protocol/api/overview.ts";
import { type ApiFlags, apiClient, withApiOptions } from "../api.ts";
import { parseDurationArg } from "../options.ts";
import { type OutputFormat, outputOption, printJson, printText } from "../output.ts";
import { renderTable, type TextColumn } from "../render/table.ts";

interface PsFlags extends ApiFlags {
  all?: boolean;
  host?: string;
  since: number;
  output: OutputFormat;
}

/** running / exited (2) / OOM killed (137) / removed (exit 0): docker ps's STATUS, without times. */
export function stateText(c: ContainerOverview): string {
  if (c.state === "running") return "running";
  const exit = c.exitCode === null ? "" : ` (${c.oomKilled ? "OOM killed, " : ""}exit ${c.exitCode})`;
  return `${c.state}${exit}`;
}

export const uptime = (c: ContainerOverview, now = Date.now()) =>
  c.state === "running" && c.startedAt ? duration((now - Date.parse(c.startedAt)) / 1000) : "-";

/** Percent of one core, as docker stats counts it (two busy cores are 200 %). */
export const cpuPercent = (c: ContainerOverview) => `${(c.cpuCores * 100).toFixed(1)}%`;

export const memoryOfLimit = (c: ContainerOverview) =>
  `${bytes(c.memoryWorkingSetBytes)} / ${c.memoryLimitBytes ? bytes(c.memoryLimitBytes) : "-"}`;

const COLUMNS: TextColumn<ContainerOverview>[] = [
  { title: "HOST", cell: (c) => c.host },
  { title: "CONTAINER ID", cell: (c) => c.id.slice(0, 12) },
  { title: "NAME", cell: (c) => c.name },
  { title: "IMAGE", cell: (c) => c.image },
  { title: "STATE", cell: stateText },
  { title: "UPTIME", cell: (c) => uptime(c), align: "right" },
  { title: "CPU %", cell: cpuPercent, align: "right" },
  { title: "MEM / LIMIT", cell: memoryOfLimit, align: "right" },
  { title: "RESTARTS 1h", cell: (c) => String(c.restarts), align: "right" },
];

/** The fleet's containers from GET /api/v1/overview/containers (what `top` shows). */
export async function readOverview(
  f: ApiFlags & { host?: string },
  recentMs = 3600_000,
): Promise<ContainerOverview[]> {
  const { containers } = await getAnswer<{ containers: ContainerOverview[] }>(
    apiClient(f),
    "/api/v1/overview/containers",
    { host: f.host, recent: `${recentMs}ms`, history: "30s", points: 1 },
    "containers",
  );
  return containers;
}

export function registerPs(program: Command): void {
  const cmd = program
    .command("ps")
    .description(
      "containers of the fleet like docker ps: state, uptime, CPU, memory against the limit, restarts in the last hour (running ones; -a for all)",
    );
  withApiOptions(cmd)
    .addOption(new Option("-a, --all", "also the exited, dead and removed ones").env("FLEETSCOPE_ALL"))
    .addOption(new Option("--host <name>", "only this host's").env("FLEETSCOPE_HOST"))
    .addOption(
      new Option(
        "--since <duration>",
        "containers the collectors reported within this long (removed ones: removed within it)",
      )
        .env("FLEETSCOPE_SINCE")
        .default(3600_000, "1h")
        .argParser(parseDurationArg),
    )
    .addOption(outputOption("json (the API's rows) for scripts"))
    .action(async (f: PsFlags) => {
      const rows = (await readOverview(f, f.since)).filter((c) => f.all || c.state === "running");
      if (f.output === "json") for (const r of rows) printJson(r);
      else printText(renderTable(COLUMNS, rows));
    });
}
