import { type Command, Option } from "commander";
import { getAnswer } from "../../client/api-client.ts";
import { percent, rate } from "../../client/format.ts";
import { renderSafe } from "../../client/render-safe.ts";
import type { ContainerDetail } from "../../protocol/api/containers.ts";
import type { ContainerOverview } from "../../protocol/api/overview.ts";
import { type ApiFlags, apiClient, withApiOptions } from "../api.ts";
import { printAndFollow } from "../follow.ts";
import { parseDurationArg } from "../options.ts";
import { type OutputFormat, outputOption, printJson, printText } from "../output.ts";
import { renderTable, type TextColumn } from "../render/table.ts";
import { cpuPercent, memoryOfLimit, readOverview } from "./ps.ts";

interface StatsFlags extends ApiFlags {
  all?: boolean;
  host?: string;
  stream: boolean;
  interval: number;
  output: OutputFormat;
}

const COLUMNS: TextColumn<ContainerOverview>[] = [
  { title: "CONTAINER ID", cell: (c) => c.id.slice(0, 12) },
  { title: "NAME", cell: (c) => c.name },
  { title: "HOST", cell: (c) => c.host },
  { title: "CPU %", cell: cpuPercent, align: "right" },
  { title: "MEM USAGE / LIMIT", cell: memoryOfLimit, align: "right" },
  { title: "MEM %", cell: (c) => percent(c.memoryPercentOfLimit), align: "right" },
  {
    title: "NET RX / TX",
    cell: (c) => `${rate(c.networkRxBytesPerSecond)} / ${rate(c.networkTxBytesPerSecond)}`,
    align: "right",
  },
  {
    title: "BLOCK R / W",
    cell: (c) => `${rate(c.ioReadBytesPerSecond)} / ${rate(c.ioWriteBytesPerSecond)}`,
    align: "right",
  },
  { title: "PIDS", cell: (c) => String(c.pids), align: "right" },
];

/**
 * The ids of each named container (a name, id or id prefix), asked of the inventory so an unknown
 * one is the API's 404 naming containers like it, before anything is drawn.
 */
async function resolveNamed(f: StatsFlags, names: string[]): Promise<Map<string, string[]>> {
  const found = await Promise.all(
    names.map((n) =>
      getAnswer<{ containers: ContainerDetail[] }>(
        apiClient(f),
        `/api/v1/containers/${encodeURIComponent(n)}`,
        { host: f.host },
        "containers",
      ),
    ),
  );
  return new Map(names.map((n, i) => [n, found[i]?.containers.map((c) => c.id) ?? []]));
}

/** Named containers without a row: known, but no collector reported them lately. */
function sayWhoIsMissing(named: Map<string, string[]>, rows: ContainerOverview[]): void {
  const shown = new Set(rows.map((r) => r.id));
  for (const [name, ids] of named)
    if (!ids.some((id) => shown.has(id)))
      process.stderr.write(
        `${renderSafe(`fleetscope: ${name}: no collector reported it in the last hour (see fleetscope inspect ${name})`)}\n`,
      );
}

// Home, then clear the screen: the next table replaces the last one in place.
const CLEAR = "\u001b[H\u001b[2J";

export function registerStats(program: Command): void {
  const cmd = program
    .command("stats")
    .description(
      "live resource use like docker stats: CPU (% of one core), memory against the limit, network and block I/O per second, PIDs; redrawn every interval",
    )
    .argument("[container...]", "only these (name, id or id prefix); default every running container");
  withApiOptions(cmd)
    .addOption(new Option("-a, --all", "also the containers that are not running").env("FLEETSCOPE_ALL"))
    .addOption(new Option("--host <name>", "only this host's").env("FLEETSCOPE_HOST"))
    .addOption(
      new Option("--no-stream", "print one table and exit instead of redrawing").env("FLEETSCOPE_NO_STREAM"),
    )
    .addOption(
      new Option("--interval <duration>", "redraw every")
        .env("FLEETSCOPE_INTERVAL")
        .default(2000, "2s")
        .argParser(parseDurationArg),
    )
    .addOption(outputOption())
    .action(async (names: string[], f: StatsFlags) => {
      const named = names.length ? await resolveNamed(f, names) : undefined;
      const ids = named && new Set([...named.values()].flat());
      const pick = (c: ContainerOverview) => (ids ? ids.has(c.id) : f.all || c.state === "running");
      let tables = 0;
      const tail = { poll: async () => (await readOverview(f)).filter(pick) };
      const print = (rows: ContainerOverview[]) => {
        if (tables++ === 0 && named) sayWhoIsMissing(named, rows);
        if (f.output === "json") for (const r of rows) printJson(r);
        else {
          // On a terminal the table is redrawn in place; into a pipe each follows the last.
          if (f.stream && process.stdout.isTTY) process.stdout.write(CLEAR);
          else if (tables > 1) process.stdout.write("\n");
          printText(renderTable(COLUMNS, rows));
        }
      };
      await printAndFollow(tail, print, { follow: f.stream, interval: f.interval });
    });
}
