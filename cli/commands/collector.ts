import { join } from "node:path";
import { type Command, Option } from "commander";
import type { Collector } from "../../collector/collector.ts";
import type { MultilineMode } from "../../collector/logs/multiline.ts";
import type { ListenAddress } from "../../collector/receivers/receiver.ts";
import type { FullPolicy } from "../../collector/spool/spool.ts";
import { collectorOptions, DEFAULT_LISTEN, defaultDataDir, metricsOpt, opt, parseUrl } from "../options.ts";
import { createLogger, stopOnSignal, VERSION } from "../runtime.ts";

export interface CollectorFlags {
  hostName: string;
  dockerSocket: string;
  statsInterval: number;
  spoolMaxSize: number;
  spoolFull: FullPolicy;
  journal: boolean;
  journalSince?: string;
  journalctl: string;
  procRoot: string;
  cgroupRoot: string;
  sysRoot: string;
  label: Record<string, string>;
  fleetConf: string;
  /** Container label keys exposed as container_label_* (allow-list). */
  containerLabels: string[];
  syslogListen: ListenAddress | false;
  syslogTlsCert?: string;
  syslogTlsKey?: string;
  gelfListen: ListenAddress | false;
  fluentdListen: ListenAddress | false;
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
    metricsListen?: { host: string; port: number } | false;
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
    journal: f.journal,
    journalSince: f.journalSince,
    journalctlPath: f.journalctl,
    procRoot: f.procRoot,
    cgroupRoot: f.cgroupRoot,
    sysRoot: f.sysRoot,
    labels: f.label,
    fleetConf: f.fleetConf,
    metricsListen: metricsListen || undefined,
    containerLabels: f.containerLabels,
    receivers: {
      syslog: f.syslogListen,
      syslogTls:
        f.syslogTlsCert || f.syslogTlsKey
          ? { cert: f.syslogTlsCert ?? "", key: f.syslogTlsKey ?? "" }
          : undefined,
      gelf: f.gelfListen,
      fluentd: f.fluentdListen,
      maxLineBytes: f.maxLineSize,
    },
    multiline: f.multiline,
    version: VERSION,
    log: createLogger(f.logLevel, "fleetscope-collector"),
  });
}

type CollectorCommandFlags = CollectorFlags & {
  aggregator: string;
  token?: string;
  spool: string;
  metricsListen: { host: string; port: number } | false;
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
    .addOption(opt.token("token the aggregator expects"))
    .addOption(
      new Option("--spool <dir>", "on-disk spool")
        .env("FLEETSCOPE_SPOOL")
        .default(join(defaultDataDir(), "spool")),
    );
  for (const o of collectorOptions()) cmd.addOption(o);
  cmd
    .addOption(metricsOpt.metricsListen())
    .addOption(opt.logLevel())
    .action(async (f: CollectorCommandFlags) => {
      const collector = await collectorFromFlags(f, {
        aggregatorUrl: f.aggregator,
        token: f.token,
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
