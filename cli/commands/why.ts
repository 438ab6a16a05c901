import { type Command, Option } from "commander";
import { getAnswer } from "../../client/api-client.ts";
import type { WhyAnswer } from "../../protocol/api/why.ts";
import { type ApiFlags, apiClient, withApiOptions } from "../api.ts";
import { parseCount } from "../options.ts";
import { type OutputFormat, outputOption, printJson, printText } from "../output.ts";
import { renderWhy } from "../render/why-text.ts";

interface WhyFlags extends ApiFlags {
  host?: string;
  at?: string;
  lines: number;
  execs?: boolean;
  output: OutputFormat;
}

export function registerWhy(program: Command): void {
  const cmd = program
    .command("why")
    .description(
      "explain a container's last death: exit, OOM, last lines, memory against its limit, what else happened",
    )
    .argument("<container>", "container name, id or id prefix (works after docker rm)");
  withApiOptions(cmd)
    .addOption(new Option("--host <name>", "the host it ran on, when several had it").env("FLEETSCOPE_HOST"))
    .addOption(
      new Option(
        "--at <time>",
        "explain the last death at or before this time (RFC 3339 up to nanoseconds, or 15m, 2h)",
      ).env("FLEETSCOPE_AT"),
    )
    .addOption(
      new Option("--lines <n>", "log lines before the death")
        .env("FLEETSCOPE_LINES")
        .default(20)
        .argParser(parseCount(1000)),
    )
    .option("--execs", "keep exec events (health checks, docker exec) among the host's other events")
    .addOption(outputOption("json for scripts"))
    .action(async (container: string, f: WhyFlags) => {
      const answer = await getAnswer<WhyAnswer>(
        apiClient(f),
        "/api/v1/why",
        { container, lines: f.lines, host: f.host, at: f.at, execs: f.execs ? "true" : undefined },
        "event",
      );
      if (f.output === "json") printJson(answer, 2);
      else printText(renderWhy(answer, process.stdout.columns || 100).replace(/\n$/, ""));
    });
}
