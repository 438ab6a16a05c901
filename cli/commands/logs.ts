import { type Command, Option } from "commander";
import { renderSafe } from "../../collector/logs/sanitize.ts";
import { createApiClient, Unreachable } from "../../tui/api-client.ts";
import type { LogLine } from "../../tui/api-types.ts";
import { LogTail } from "../../tui/log-tail.ts";
import { logFilterToParams } from "../log-filter.ts";
import { DEFAULT_LISTEN, parseDurationArg, parseUrl } from "../options.ts";

interface LogsFlags {
  url: string;
  token?: string;
  since: string;
  limit: number;
  follow?: boolean;
  interval: number;
  output: "text" | "json";
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error("--limit: expected 1 to 10000");
  return n;
}

const who = (l: LogLine) => l.containerName || l.unit || l.identifier || l.source;

export function formatLogLine(l: LogLine): string {
  return `${l.time.slice(0, 23).replace("T", " ")} ${l.host} ${who(l)} ${l.stream || "-"} ${renderSafe(l.body)}`;
}

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description(
      "log lines of the fleet, oldest first; filter words pick fields, the rest is text: host:web-1 container:api stream:stderr level:error unit:docker.service refused",
    )
    .argument("[filter...]", "field:value words (host, container, stream, unit, level) and free text")
    .addOption(
      new Option("--url <url>", "aggregator API")
        .env("FLEETSCOPE_URL")
        .default(`http://${DEFAULT_LISTEN}`)
        .argParser(parseUrl),
    )
    .addOption(new Option("--token <token>", "sent as Authorization: Bearer").env("FLEETSCOPE_TOKEN"))
    .addOption(
      new Option("--since <time>", "from this time: RFC 3339 or relative (15m, 2h)")
        .env("FLEETSCOPE_SINCE")
        .default("1h"),
    )
    .addOption(
      new Option("--limit <n>", "at most this many lines (the newest)")
        .env("FLEETSCOPE_LIMIT")
        .default(100)
        .argParser(parseLimit),
    )
    .addOption(
      new Option("-f, --follow", "keep printing new lines as they are stored").env("FLEETSCOPE_FOLLOW"),
    )
    .addOption(
      new Option("--interval <duration>", "how often --follow asks for new lines")
        .env("FLEETSCOPE_INTERVAL")
        .default(1000, "1s")
        .argParser(parseDurationArg),
    )
    .addOption(
      new Option("-o, --output <format>", "text for a person, json (one object a line) for scripts")
        .choices(["text", "json"])
        .default("text"),
    )
    .action(async (words: string[], f: LogsFlags) => {
      const params = logFilterToParams(words.join(" "));
      const tail = new LogTail(createApiClient(f.url, f.token), params, { since: f.since, limit: f.limit });
      const print = (lines: LogLine[]) => {
        for (const l of lines)
          process.stdout.write(`${f.output === "json" ? JSON.stringify(l) : formatLogLine(l)}\n`);
      };
      try {
        print(await tail.poll());
        while (f.follow) {
          await new Promise((r) => setTimeout(r, f.interval));
          print(await tail.poll());
        }
      } catch (err) {
        if (err instanceof Unreachable)
          throw new Error(`${err.message}; is \`fleetscope up\` running? (--url)`);
        throw err;
      }
    });
}
