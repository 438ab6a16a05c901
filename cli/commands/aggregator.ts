import { join } from "node:path";
import type { Command } from "commander";
import { opt, ruleSettingOptions, ruleSettingsFromFlags } from "../options.ts";
import { createLogger, stopOnSignal, VERSION } from "../runtime.ts";

interface AggregatorFlags {
  data: string;
  listen: { host: string; port: number };
  token?: string;
  retention: number;
  clickhouseUrl?: string;
  logLevel: string;
}

export function registerAggregator(program: Command): void {
  const cmd = program
    .command("aggregator")
    .description("run the central aggregator: ingest from collectors, store in ClickHouse, serve the API")
    .addOption(opt.data())
    .addOption(opt.listen())
    .addOption(opt.token("token collectors must present to ingest (default: ingest is open)"))
    .addOption(opt.retention())
    .addOption(opt.clickhouseUrl())
    .addOption(opt.logLevel());
  for (const o of ruleSettingOptions()) cmd.addOption(o);
  cmd.action(async (f: AggregatorFlags) => {
    const log = createLogger(f.logLevel, "fleetscope-aggregator");
    // Loaded here, not at the top: the store pulls in chDB (a 500 MB library) that only
    // aggregator processes should map.
    const { Aggregator } = await import("../../aggregator/aggregator.ts");
    const aggregator = await Aggregator.start({
      dataDir: join(f.data, "store"),
      url: f.clickhouseUrl,
      retentionDays: f.retention,
      host: f.listen.host,
      port: f.listen.port,
      token: f.token,
      version: VERSION,
      log,
      incidents: ruleSettingsFromFlags(f),
    });
    console.log(
      `fleetscope aggregator: API on ${aggregator.url} (store: ${f.clickhouseUrl ?? join(f.data, "store")})`,
    );
    stopOnSignal("fleetscope aggregator", log, () => aggregator.stop());
  });
}
