import { join } from "node:path";
import { type Command, Option } from "commander";
import { resolveCredentials } from "../../client/credentials.ts";
import type { Collector } from "../../collector/collector.ts";
import type { FlagValues, ListenAddress } from "../../collector/flags.ts";
import type { MultilineMode } from "../../collector/processors/multiline.ts";
import type { FullPolicy } from "../../collector/spool/spool.ts";
import {
  collectorOptions,
  DEFAULT_LISTEN,
  defaultDataDir,
  metricsOpt,
  opt,
  parseUrl,
  rejectTokenInArgv,
} from "../options.ts";
import { createLogger, stopOnSignal, VERSION } from "../runtime.ts";
import { trustCa } from "../trust.ts";

/**
 * The flags of collectorOptions() the collector itself reads. The sources' and receivers' own
 * flags (`--no-journal`, `--syslog-listen` …) are passed on untouched, for their factories.
 */
export interface CollectorFlags extends FlagValues {
  hostName: string;
  dockerSocket: string;
  statsInterval: number;
  spoolMaxSize: number;
  spoolFull: FullPolicy;
  procRoot: string;
  cgroupRoot: string;
  sysRoot: string;
  /** Container label keys exposed as container_label_* (allow-list). */
  containerLabels: string[];
  maxLineSize: number;
  multiline: MultilineMode;
  logLevel: string;
}

/** Builds a collector from the shared flags; `up` uses it too. */
export async function collectorFromFlags(
  f: CollectorFlags,
  {
    aggregatorUrl,
    token,
    spoolDir,
    metricsListen,
  }: {
    aggregatorUrl: string;
    token?: string;
    spoolDir: string;
    metricsListen?: ListenAddress | false;
  },
): Promise<Collector> {
  // Loaded here, not at the top: the commands that only read the API start without it.
  const { Collector } = await import("../../collector/collector.ts");
  return new Collector({
    aggregatorUrl,
    token,
    spoolDir,
    spoolMaxBytes: f.spoolMaxSize,
    spoolFullPolicy: f.spoolFull,
    hostName: f.hostName,
    dockerSocket: f.dockerSocket,
    statsIntervalMs: f.statsInterval,
    procRoot: f.procRoot,
    cgroupRoot: f.cgroupRoot,
    sysRoot: f.sysRoot,
    metricsListen: metricsListen || undefined,
    containerLabels: f.containerLabels,
    maxLineBytes: f.maxLineSize,
    multiline: f.multiline,
    flags: f,
    version: VERSION,
    log: createLogger(f.logLevel, "fleetscope-collector"),
  });
}

type CollectorCommandFlags = CollectorFlags & {
  aggregator: string;
  ca?: string;
  tokenFile?: string;
  spool: string;
  metricsListen: ListenAddress | false;
};

export function registerCollector(program: Command): void {
  const cmd = program
    .command("collector")
    .description(
      "run the per-node collector: container stats, events, logs and the journal, shipped to an aggregator",
    )
    .addOption(
      new Option("--aggregator <url>", "aggregator to ship to")
        .env("FLEETSCOPE_AGGREGATOR")
        .default(`http://${DEFAULT_LISTEN}`)
        .argParser(parseUrl),
    )
    .addOption(opt.tokenFile("file holding the ingest token the aggregator expects"))
    .addOption(opt.ca())
    .addOption(
      new Option("--spool <dir>", "on-disk spool")
        .env("FLEETSCOPE_SPOOL")
        .default(join(defaultDataDir(), "spool")),
    );
  for (const o of collectorOptions()) cmd.addOption(o);
  rejectTokenInArgv(cmd)
    .addOption(metricsOpt.metricsListen())
    .addOption(opt.logLevel())
    .action(async (f: CollectorCommandFlags) => {
      // No fallback to a data directory's admin token: a collector ships with an ingest token.
      const { token, source } = resolveCredentials({ tokenFile: f.tokenFile });
      if (!token)
        createLogger(f.logLevel, "fleetscope-collector").warn(
          `${source}: the aggregator will refuse every batch; give an ingest token (fleetscope token create --role ingest)`,
        );
      if (f.ca) trustCa(f.ca);
      const collector = await collectorFromFlags(f, {
        aggregatorUrl: f.aggregator,
        token,
        spoolDir: f.spool,
        metricsListen: f.metricsListen,
      });
      await collector.start();
      const metrics = collector.metricsUrl ? `; metrics: ${collector.metricsUrl}` : "";
      console.log(
        `fleetscope collector: host ${f.hostName} shipping to ${f.aggregator} (spool: ${f.spool}${metrics})`,
      );
      stopOnSignal("fleetscope collector", createLogger(f.logLevel, "fleetscope-collector"), () =>
        collector.stop(),
      );
    });
}
