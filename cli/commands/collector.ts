import { join } from "node:path";
import { type Command, Option } from "commander";
import type { Logger } from "pino";
import { resolveCredentials } from "../../client/credentials.ts";
import type { Collector } from "../../collector/collector.ts";
import {
  type EtcdApiMode,
  type FlagValues,
  type ListenAddress,
  shippingOptions,
} from "../../collector/flags.ts";
import type { MultilineMode } from "../../collector/processors/multiline.ts";
import { fixedTarget, type ShipTarget } from "../../collector/ship-target.ts";
import type { FullPolicy } from "../../collector/spool/spool.ts";
import {
  collectorOptions,
  DEFAULT_LISTEN,
  defaultDataDir,
  metricsOpt,
  opt,
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
    target,
    failbackAfterMs,
    spoolDir,
    metricsListen,
  }: {
    target: ShipTarget;
    failbackAfterMs?: number;
    spoolDir: string;
    metricsListen?: ListenAddress | false;
  },
): Promise<Collector> {
  // Loaded here, not at the top: the commands that only read the API start without it.
  const { Collector } = await import("../../collector/collector.ts");
  return new Collector({
    target,
    failbackAfterMs,
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
  aggregator: string[];
  failbackAfter: number;
  etcd: string[];
  etcdApi: EtcdApiMode;
  tokenFromEtcd?: string;
  aggregatorFromEtcd?: string;
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
    );
  for (const o of shippingOptions(`http://${DEFAULT_LISTEN}`)) cmd.addOption(o);
  cmd
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
    .action(async (f: CollectorCommandFlags, command: Command) => {
      const log = createLogger(f.logLevel, "fleetscope-collector");
      // The CA trusted for the aggregator is trusted for an https etcd too (process-wide).
      if (f.ca) trustCa(f.ca);
      const ship = await shipTarget(f, command, log);
      const collector = await collectorFromFlags(f, {
        target: ship.target,
        failbackAfterMs: f.failbackAfter,
        spoolDir: f.spool,
        metricsListen: f.metricsListen,
      });
      await collector.start();
      const metrics = collector.metricsUrl ? `; metrics: ${collector.metricsUrl}` : "";
      console.log(
        `fleetscope collector: host ${f.hostName} shipping to ${ship.target.describe()} (spool: ${f.spool}${metrics})`,
      );
      stopOnSignal("fleetscope collector", log, async () => {
        await collector.stop();
        await ship.stop();
      });
    });
}

/**
 * Where the collector ships: `--aggregator` and the token of --token-file or FLEETSCOPE_TOKEN, or
 * etcd keys standing in for either (followed while the collector runs). Both on the command line
 * is a mistake, refused; an environment value (a unit's shared environment file, say) beside an
 * etcd key gives way to the key, with a warning.
 */
async function shipTarget(
  f: CollectorCommandFlags,
  command: Command,
  log: Logger,
): Promise<{ target: ShipTarget; stop: () => Promise<void> }> {
  if (f.aggregatorFromEtcd)
    giveWay(command, log, "aggregator", "--aggregator (FLEETSCOPE_AGGREGATOR)", "--aggregator-from-etcd");
  if (f.tokenFromEtcd) {
    giveWay(command, log, "tokenFile", "--token-file (FLEETSCOPE_TOKEN_FILE)", "--token-from-etcd");
    if (process.env.FLEETSCOPE_TOKEN?.trim())
      log.warn("FLEETSCOPE_TOKEN is ignored: the token comes from etcd (--token-from-etcd)");
  }
  // No fallback to a data directory's admin token: a collector ships with an ingest token.
  const { token, source } = f.tokenFromEtcd
    ? { token: undefined, source: "" }
    : resolveCredentials({ tokenFile: f.tokenFile });
  if (!f.tokenFromEtcd && !token)
    log.warn(
      `${source}: the aggregator will refuse every batch; give an ingest token (fleetscope token create --role ingest)`,
    );
  if (!f.tokenFromEtcd && !f.aggregatorFromEtcd)
    return { target: fixedTarget(f.aggregator, token, source), stop: async () => {} };
  const { EtcdShipTarget } = await import("../../collector/etcd/etcd-target.ts");
  const target = new EtcdShipTarget({
    endpoints: f.etcd,
    api: f.etcdApi,
    aggregatorKey: f.aggregatorFromEtcd,
    aggregators: f.aggregator,
    tokenKey: f.tokenFromEtcd,
    token,
    tokenSource: source,
    log,
  });
  target.start();
  return { target, stop: () => target.stop() };
}

/** `flag` beside the etcd key that replaces it: refused from the command line, ignored from the environment. */
function giveWay(command: Command, log: Logger, key: string, flag: string, etcdFlag: string): void {
  const from = command.getOptionValueSource(key);
  if (from === "cli") throw new Error(`give ${flag} or ${etcdFlag}, not both`);
  if (from === "env") log.warn(`${flag} from the environment is ignored: ${etcdFlag} is given`);
}
