import { type Command, Option } from "commander";
import { DEFAULT_LISTEN, parseUrl } from "../options.ts";
import { renderWhy } from "../render/why-text.ts";

interface WhyFlags {
  url: string;
  host?: string;
  at?: string;
  lines: string;
  output: "text" | "json";
}

export function registerWhy(program: Command): void {
  program
    .command("why")
    .description(
      "explain a container's last death: exit, OOM, last lines, memory against its limit, what else happened",
    )
    .argument("<container>", "container name, id or id prefix (works after docker rm)")
    .addOption(
      new Option("--url <url>", "aggregator API")
        .env("FLEETSCOPE_URL")
        .default(`http://${DEFAULT_LISTEN}`)
        .argParser(parseUrl),
    )
    .addOption(new Option("--host <name>", "the host it ran on, when several had it").env("FLEETSCOPE_HOST"))
    .option("--at <time>", "explain the last death at or before this time (RFC 3339 or 15m, 2h)")
    .option("--lines <n>", "log lines before the death", "20")
    .addOption(
      new Option("-o, --output <format>", "text for a person, json for scripts")
        .choices(["text", "json"])
        .default("text"),
    )
    .action(async (container: string, f: WhyFlags) => {
      const url = new URL("/api/v1/why", f.url);
      url.searchParams.set("container", container);
      url.searchParams.set("lines", f.lines);
      if (f.host) url.searchParams.set("host", f.host);
      if (f.at) url.searchParams.set("at", f.at);
      let res: Response;
      try {
        res = await fetch(url);
      } catch (err) {
        throw new Error(
          `cannot reach the aggregator at ${f.url} (${(err as Error).cause ?? err}); is \`fleetscope up\` running? (--url)`,
        );
      }
      const body = await res.json();
      if (!res.ok) throw new Error(body.error ?? `${res.status} from ${url}`);
      process.stdout.write(
        f.output === "json"
          ? `${JSON.stringify(body, null, 2)}\n`
          : renderWhy(body, process.stdout.columns || 100),
      );
    });
}
