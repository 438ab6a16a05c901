import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Command } from "commander";
import { collectorOptions, opt, ruleSettingOptions, ruleSettingsFromFlags } from "../options.ts";
import { createLogger, stopOnSignal, VERSION } from "../runtime.ts";
import { type CollectorFlags, collectorFromFlags } from "./collector.ts";

interface UpFlags extends CollectorFlags {
  data: string;
  listen: { host: string; port: number };
  token?: string;
  retention: number;
}

export function registerUp(program: Command): void {
  const cmd = program
    .command("up")
    .description(
      "run the single-node stack: an aggregator on the embedded store plus a collector for this host",
    )
    .addOption(opt.data())
    .addOption(opt.listen())
    .addOption(opt.token("ingest token (default: a random one shared with the built-in collector)"))
    .addOption(opt.retention());
  for (const o of [...collectorOptions(), ...ruleSettingOptions()]) cmd.addOption(o);
  cmd.addOption(opt.logLevel()).action(async (f: UpFlags) => {
    const log = createLogger(f.logLevel, "fleetscope-up");
    const { Aggregator } = await import("../../aggregator/aggregator.ts"); // see the aggregator command
    const token = f.token ?? randomBytes(24).toString("base64url");
    const storeDir = join(f.data, "store");
    const aggregator = await Aggregator.start({
      dataDir: storeDir,
      retentionDays: f.retention,
      host: f.listen.host,
      port: f.listen.port,
      token,
      version: VERSION,
      log,
      incidents: ruleSettingsFromFlags(f),
    });
    const collector = await collectorFromFlags(f, {
      aggregatorUrl: aggregator.url,
      token,
      spoolDir: join(f.data, "spool"),
    });
    // The collector's self-metrics and its cAdvisor-compatible container metrics are served on the
    // aggregator's /metrics.
    aggregator.metricsRegistries.push(collector.metrics.registry, () => collector.cadvisorMetrics());
    try {
      await collector.start();
    } catch (err) {
      await aggregator.stop();
      throw err;
    }
    console.log(`fleetscope up: API on ${aggregator.url} (store: ${storeDir}; host: ${f.hostName})`);
    stopOnSignal("fleetscope up", log, async () => {
      await collector.stop();
      await aggregator.stop();
    });
  });
}
