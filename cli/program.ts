// The one fleetscope command's subcommands (cli/fleetscope.ts loads this once Node's compile
// cache is on).
import { Command } from "commander";
import { renderSafe } from "../client/render-safe.ts";
import { explain } from "./api.ts";
import { registerAggregator } from "./commands/aggregator.ts";
import { registerCollector } from "./commands/collector.ts";
import { registerEvents } from "./commands/events.ts";
import { registerHealthcheck } from "./commands/healthcheck.ts";
import { registerIncidents } from "./commands/incidents.ts";
import { registerInspect } from "./commands/inspect.ts";
import { registerLogs } from "./commands/logs.ts";
import { registerPs } from "./commands/ps.ts";
import { registerStats } from "./commands/stats.ts";
import { registerToken } from "./commands/token.ts";
import { registerTop } from "./commands/top.ts";
import { registerUp } from "./commands/up.ts";
import { registerWhy } from "./commands/why.ts";
import { VERSION } from "./runtime.ts";

const program = new Command("fleetscope")
  .description(
    "observability and debugging for container hosts: stats, events, logs and the journal, on ClickHouse",
  )
  .version(VERSION)
  .showHelpAfterError("(add --help for usage)");
registerUp(program);
registerAggregator(program);
registerCollector(program);
registerWhy(program);
registerTop(program);
registerLogs(program);
registerPs(program);
registerStats(program);
registerEvents(program);
registerIncidents(program);
registerInspect(program);
registerToken(program);
registerHealthcheck(program);

try {
  await program.parseAsync();
} catch (err) {
  // The one place a failure is told: what went wrong and what to try (see cli/api.ts).
  console.error(renderSafe(`fleetscope: ${explain(err)}`));
  process.exit(1);
}
