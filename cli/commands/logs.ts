import { type Command, Option } from "commander";
import { expecting } from "../../client/api-client.ts";
import { filterFromArgv, logFilterToParams } from "../../client/log-filter.ts";
import { renderSafe } from "../../client/render-safe.ts";
import { LogTail } from "../../client/tail.ts";
import type { LogLine } from "../../protocol/api/logs.ts";
import { type ApiFlags, apiClient, withApiOptions } from "../api.ts";
import { checkFollowUntil, type FollowFlags, followOptions, printAndFollow, timeOptions } from "../follow.ts";
import { parseCount } from "../options.ts";
import { type OutputFormat, outputOption, printJson } from "../output.ts";

interface LogsFlags extends ApiFlags, FollowFlags {
  since: string;
  tail?: number;
  limit?: number;
  output: OutputFormat;
}

const DEFAULT_TAIL = 100;

const who = (l: LogLine) => l.containerName || l.unit || l.identifier || l.source;

/** time, host, who, stream on one line (each made safe), then the body (its own newlines kept). */
export function formatLogLine(l: LogLine): string {
  const head = `${l.time.slice(0, 23).replace("T", " ")} ${l.host} ${who(l)} ${l.stream || "-"}`;
  return `${renderSafe(head, { singleLine: true })} ${renderSafe(l.body)}`;
}

export function registerLogs(program: Command): void {
  const cmd = program
    .command("logs")
    .description(
      'log lines of the fleet, oldest first. Field words pick: host:web-1 container:api stream:stderr level:error unit:docker.service identifier:sshd regex:"took \\d+ ms"; every other word must appear (any case), "quoted words" as one phrase',
    )
    .argument(
      "[filter...]",
      "field:value words (host, container, stream, unit, level, identifier, regex) and free words",
    );
  withApiOptions(cmd);
  for (const o of timeOptions("1h")) cmd.addOption(o);
  cmd
    .addOption(
      new Option("-n, --tail <n>", `the last n lines (1 to 10000; default ${DEFAULT_TAIL})`)
        .env("FLEETSCOPE_TAIL")
        .argParser(parseCount()),
    )
    .addOption(
      new Option("--limit <n>", "the same as --tail").env("FLEETSCOPE_LIMIT").argParser(parseCount()),
    )
    .addOption(outputOption());
  for (const o of followOptions("lines")) cmd.addOption(o);
  cmd.action(async (words: string[], f: LogsFlags) => {
    checkFollowUntil(f);
    const params = { ...logFilterToParams(filterFromArgv(words)), until: f.until };
    const limit = f.tail ?? f.limit ?? DEFAULT_TAIL;
    const tail = new LogTail(expecting(apiClient(f), "logs"), params, { since: f.since, limit });
    let printed = 0;
    const print = (lines: LogLine[]) => {
      printed += lines.length;
      for (const l of lines)
        f.output === "json" ? printJson(l) : process.stdout.write(`${formatLogLine(l)}\n`);
    };
    await printAndFollow(tail, print, f);
    if (printed === 0 && f.output === "text")
      process.stderr.write(
        `fleetscope: no line matches since ${renderSafe(f.since)} (a longer --since looks further back)\n`,
      );
  });
}
