import { join } from "node:path";
import type { Command } from "commander";
import { adminTokenFile } from "../../client/credentials.ts";
import { fixedTarget } from "../../collector/ship-target.ts";
import { type NotifyFlags, notifyFromFlags, notifyOptions } from "../notify-options.ts";
import {
  type AggregatorBoundFlags,
  aggregatorBoundOptions,
  aggregatorBoundsFromFlags,
  collectorOptions,
  opt,
  rejectTokenInArgv,
  ruleSettingOptions,
  ruleSettingsFromFlags,
} from "../options.ts";
import { createLogger, stopOnSignal, VERSION } from "../runtime.ts";
import { trustCa } from "../trust.ts";
import { type CollectorFlags, collectorFromFlags } from "./collector.ts";

interface UpFlags extends CollectorFlags, AggregatorBoundFlags, NotifyFlags {
  ca?: string;
  data: string;
  listen: { host: string; port: number };
  allowedHosts?: string[];
  retention: number;
}

/**
 * Where the built-in collector reaches its own aggregator: a wildcard listen address (0.0.0.0,
 * ::) names no host to connect to, so loopback stands in for it.
 */
function ownUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === "0.0.0.0") u.hostname = "127.0.0.1";
  if (u.hostname === "[::]") u.hostname = "[::1]";
  return u.toString().replace(/\/$/, "");
}

export function registerUp(program: Command): void {
  const cmd = program
    .command("up")
    .description(
      "run the single-node stack: an aggregator on the embedded store plus a collector for this host",
    )
    .addOption(opt.data())
    .addOption(opt.listen())
    .addOption(opt.allowedHosts())
    .addOption(opt.retention())
    .addOption(opt.ca());
  for (const o of [
    ...aggregatorBoundOptions(),
    ...collectorOptions(),
    ...ruleSettingOptions(),
    ...notifyOptions(),
  ])
    cmd.addOption(o);
  rejectTokenInArgv(cmd);
  cmd.addOption(opt.logLevel()).action(async (f: UpFlags) => {
    const log = createLogger(f.logLevel, "fleetscope-up");
    if (f.tlsClientCa)
      throw new Error(
        "--tls-client-ca is for `fleetscope aggregator`: the collector built into `up` has no client certificate to present",
      );
    // The built-in collector ships over the same TLS: it trusts --ca, else the certificate itself
    // (enough for a self-signed one).
    if (f.ca ?? f.tlsCert) trustCa((f.ca ?? f.tlsCert) as string);
    const { Aggregator } = await import("../../aggregator/aggregator.ts"); // see the aggregator command
    const { ensureTokenFile } = await import("../../aggregator/auth/bootstrap.ts");
    const storeDir = join(f.data, "store");
    const aggregator = await Aggregator.start({
      dataDir: storeDir,
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
    // The built-in collector ships with an ingest token of its own (log set default), kept beside
    // the admin token so a restart reuses it rather than minting another.
    const token = await ensureTokenFile(
      aggregator.tokens,
      join(f.data, "collector.token"),
      { name: `collector of fleetscope up on ${f.hostName}`, role: "ingest", logSet: "default" },
      log,
    );
    const collector = await collectorFromFlags(f, {
      target: fixedTarget([ownUrl(aggregator.url)], token, `${join(f.data, "collector.token")} (made by up)`),
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
    console.log(
      `fleetscope up: API on ${aggregator.url} (store: ${storeDir}; host: ${f.hostName}; admin token: ${adminTokenFile(f.data)})`,
    );
    stopOnSignal("fleetscope up", log, async () => {
      await collector.stop();
      await aggregator.stop();
    });
  });
}
