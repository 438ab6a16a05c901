#!/usr/bin/env node
// The one fleetscope command. Node runs this TypeScript directly (type stripping, Node ≥ 22.18).
import { Command } from "commander";
import { registerAggregator } from "./commands/aggregator.ts";
import { registerCollector } from "./commands/collector.ts";
import { registerLogs } from "./commands/logs.ts";
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

try {
  await program.parseAsync();
} catch (err) {
  console.error(`fleetscope: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
