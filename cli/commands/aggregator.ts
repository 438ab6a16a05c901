import { join } from "node:path";
import type { Command } from "commander";
import { adminTokenFile } from "../../client/credentials.ts";
import { shownUrl } from "../../protocol/peer-url.ts";
import { type NotifyFlags, notifyFromFlags, notifyOptions } from "../notify-options.ts";
import {
  type AggregatorBoundFlags,
  aggregatorBoundOptions,
  aggregatorBoundsFromFlags,
  opt,
  rejectTokenInArgv,
  ruleSettingOptions,
  ruleSettingsFromFlags,
} from "../options.ts";
import { createLogger, stopOnSignal, VERSION } from "../runtime.ts";

interface AggregatorFlags extends AggregatorBoundFlags, NotifyFlags {
  data: string;
  listen: { host: string; port: number };
  allowedHosts?: string[];
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
    .addOption(opt.allowedHosts())
    .addOption(opt.retention())
    .addOption(opt.clickhouseUrl())
    .addOption(opt.logLevel());
  for (const o of [...aggregatorBoundOptions(), ...ruleSettingOptions(), ...notifyOptions()])
    cmd.addOption(o);
  rejectTokenInArgv(cmd);
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
      adminTokenFile: adminTokenFile(f.data),
      allowedHosts: f.allowedHosts,
      version: VERSION,
      log,
      incidents: ruleSettingsFromFlags(f),
      notify: notifyFromFlags(f),
      ...aggregatorBoundsFromFlags(f),
    });
    console.log(
      `fleetscope aggregator: API on ${aggregator.url}${aggregator.ingestUrl === aggregator.url ? "" : `, ingest on ${aggregator.ingestUrl}`} (store: ${f.clickhouseUrl ? shownUrl(f.clickhouseUrl) : join(f.data, "store")}; admin token: ${adminTokenFile(f.data)})`,
    );
    stopOnSignal("fleetscope aggregator", log, () => aggregator.stop());
  });
}
