import { mkdir } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import type { Logger } from "pino";
import { renderCadvisorMetrics } from "../protocol/cadvisor/exposition.ts";
import { DockerInventory } from "./docker/inventory.ts";
import type { FlagValues, ListenAddress } from "./flags.ts";
import { MetricsServer } from "./http/metrics-server.ts";
import { type CollectorMetrics, createCollectorMetrics } from "./metrics.ts";
import { DEFAULT_MAX_LINE_BYTES, Pipeline } from "./pipeline.ts";
import type { MultilineMode } from "./processors/multiline.ts";
import { ReadPacer } from "./read-pacer.ts";
import { listenFlag, type Receiver } from "./receivers/receiver.ts";
import { createReceivers } from "./receivers/registry.ts";
import type { ShipTarget } from "./ship-target.ts";
import { Shipper } from "./shipper.ts";
import { BlockDeviceNames } from "./sources/container-stats/block-device-names.ts";
import { readRootSnapshot } from "./sources/host/root-cgroup.ts";
import { SOURCES } from "./sources/registry.ts";
import type { Source, SourceSetup } from "./sources/source.ts";
import { type FullPolicy, Spool } from "./spool/spool.ts";

export interface CollectorOptions {
  /** Where batches go (one or more aggregators) and with which token; ship-target.ts. */
  target: ShipTarget;
  /** While on a later aggregator, how often the earlier ones are checked to go back to them; default 30 s. */
  failbackAfterMs?: number;
  spoolDir: string;
  spoolMaxBytes: number;
  spoolFullPolicy: FullPolicy;
  hostName: string;
  dockerSocket: string;
  statsIntervalMs: number;
  procRoot: string;
  cgroupRoot: string;
  /** The host's /sys (network interfaces for the machine view, block device names). */
  sysRoot?: string;
  /** Serve GET /metrics (cAdvisor-compatible + fleetscope_collector_*) here; none under `up`. */
  metricsListen?: ListenAddress;
  /** Container label keys exposed as container_label_* on /metrics (allow-list; default none). */
  containerLabels?: string[];
  /** Longer log lines are cut and marked (--max-line-size); default 256 KiB. */
  maxLineBytes?: number;
  /** Join multi-line stack traces of container streams (--multiline); default off. */
  multiline?: MultilineMode;
  /**
   * The command's parsed flags, read by the source and receiver factories (sources/registry.ts,
   * receivers/registry.ts): `--no-journal`, `--label`, each receiver's `--<name>-listen` … A
   * receiver whose listen flag is absent or `off` is not started.
   */
  flags: FlagValues;
  version: string;
  log: Logger;
}

/** One per node: sources → pipeline → spool → shipper → aggregator. */
export class Collector {
  readonly metrics: CollectorMetrics;
  readonly #opts: CollectorOptions;
  readonly #spool: Spool;
  #sources: Source[] = [];
  #receivers: Receiver[] = [];
  #pipeline: Pipeline | undefined;
  #shipper: Shipper | undefined;
  #pacer: ReadPacer | undefined;
  #metricsServer: MetricsServer | undefined;
  #deviceNames: BlockDeviceNames | undefined;
  /** Where GET /metrics is served, once started with `metricsListen`. */
  metricsUrl: string | undefined;

  constructor(opts: CollectorOptions) {
    this.#opts = opts;
    this.#spool = new Spool({
      dir: opts.spoolDir,
      host: opts.hostName,
      maxBytes: opts.spoolMaxBytes,
      minFreeBytes: opts.flags.spoolMinFree as number | undefined,
      fullPolicy: opts.spoolFullPolicy,
      log: opts.log.child({ component: "spool" }),
      onDropped: (batch) => {
        for (const [source, n] of Object.entries(batch.sources))
          this.metrics.recordsDropped.inc({ source }, n);
      },
    });
    this.metrics = createCollectorMetrics(() => this.#spool.stats);
  }

  get #maxLineBytes(): number {
    return this.#opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  async start(): Promise<void> {
    const o = this.#opts;
    await this.#startShipping();
    const docker = new Docker({ socketPath: o.dockerSocket });
    const inventory = new DockerInventory(docker, o.log.child({ component: "inventory" }));
    // Receivers first: Docker refuses to start a container whose syslog-TCP or fluentd endpoint is down.
    await this.#startReceivers(inventory);
    await inventory
      .sync()
      .catch((err) => o.log.error({ err: String(err) }, `cannot list containers via ${o.dockerSocket}`));
    await this.#startSources(docker, inventory);
    o.log.info(
      {
        host: o.hostName,
        aggregator: o.target.describe(),
        spool: o.spoolDir,
        sources: this.#sources.map((s) => s.name),
        receivers: this.receiverAddresses,
      },
      "collector started",
    );
    if (o.metricsListen) await this.#serveMetrics(o.metricsListen);
  }

  /** The spool, the shipper draining it, and the pipeline filling it. */
  async #startShipping(): Promise<void> {
    const o = this.#opts;
    await mkdir(o.spoolDir, { recursive: true });
    await this.#spool.open();
    this.#shipper = new Shipper(
      this.#spool,
      {
        target: o.target,
        failbackAfterMs: o.failbackAfterMs ?? 30_000,
        requestTimeoutMs: 30_000,
        minBackoffMs: 250,
        maxBackoffMs: 30_000,
        concurrency: 2,
      },
      o.log.child({ component: "shipper" }),
      this.metrics,
    );
    this.#shipper.start();
    const shipper = this.#shipper;
    this.#pacer = new ReadPacer(this.#spool, () => shipper.delivering);
    this.#pipeline = new Pipeline(
      this.#spool,
      {
        maxBatchRecords: 5000,
        flushIntervalMs: 100,
        maxLineBytes: this.#maxLineBytes,
        multiline: o.multiline,
        log: o.log.child({ component: "pipeline" }),
      },
      this.metrics,
    );
  }

  /** Every receiver its --<name>-listen turns on (receivers/registry.ts); one that cannot bind stops the start. */
  async #startReceivers(inventory: DockerInventory): Promise<void> {
    this.#receivers = await createReceivers(this.#opts.flags, this.#maxLineBytes);
    for (const receiver of this.#receivers) {
      await this.#startSource(receiver, inventory).catch((err: Error) => {
        const flag = listenFlag(receiver);
        throw new Error(
          `the ${receiver.name} receiver cannot start: ${err.message}; move it with ${flag} HOST:PORT or turn it off with ${flag} off`,
        );
      });
    }
  }

  /** Every source of sources/registry.ts that its flags leave on, in the registry's order. */
  async #startSources(docker: Docker, inventory: DockerInventory): Promise<void> {
    const o = this.#opts;
    const setup: SourceSetup = {
      flags: o.flags,
      docker,
      inventory,
      collectorId: this.#spool.collectorId,
      version: o.version,
      procRoot: o.procRoot,
      cgroupRoot: o.cgroupRoot,
      sysRoot: o.sysRoot,
      statsIntervalMs: o.statsIntervalMs,
      maxLineBytes: this.#maxLineBytes,
    };
    this.#sources = [];
    for (const factory of SOURCES) {
      const source = await factory.create(setup);
      if (source) this.#sources.push(source);
    }
    for (const source of this.#sources) await this.#startSource(source, inventory);
  }

  async #startSource(source: Source, inventory: DockerInventory): Promise<void> {
    const pipeline = this.#pipeline as Pipeline;
    const log = this.#opts.log.child({ source: source.name });
    await source.start({
      host: this.#opts.hostName,
      cursor: this.#spool.cursors[source.name],
      emit: (records, cursor) => pipeline.emit(source.name, records, cursor),
      spooled: () => pipeline.flush(),
      backlogged: () => pipeline.stalled,
      pacer: this.#pacer,
      skippedInput: (issue, count) => this.metrics.skippedInput(source.name, issue, count),
      skipped: (reason) => this.metrics.samplesSkipped.inc({ source: source.name, reason }),
      inventory,
      log,
    });
    log.debug("source started");
  }

  /** Addresses the receivers bound (udp://…, tcp://…). */
  get receiverAddresses(): string[] {
    return this.#receivers.flatMap((r) => r.addresses);
  }

  /** The cAdvisor-compatible container and machine metrics (protocol/cadvisor/exposition.ts). */
  async cadvisorMetrics(): Promise<string> {
    const snapshots = this.#sources.flatMap((s) => s.snapshots?.() ?? []);
    // The machine as cAdvisor's root container `id="/"`, for dashboards that read host totals from it.
    const root = readRootSnapshot(
      { procRoot: this.#opts.procRoot, sysRoot: this.#opts.sysRoot ?? "/sys" },
      this.#opts.hostName,
    );
    if (root) snapshots.push(root);
    this.#deviceNames ??= new BlockDeviceNames(this.#opts.sysRoot);
    await this.#deviceNames.resolve(snapshots);
    return renderCadvisorMetrics(
      snapshots,
      { cpuCores: cpus().length, memoryBytes: totalmem() },
      { containerLabels: this.#opts.containerLabels ?? [], deviceName: this.#deviceNames.name },
    );
  }

  /** Everything the collector's own /metrics serves: cAdvisor's families, then fleetscope_collector_*. */
  async metricsText(): Promise<string> {
    return (await this.cadvisorMetrics()) + (await this.metrics.registry.metrics());
  }

  // A port already taken does not stop the collector: shipping matters more; the error is logged.
  async #serveMetrics(at: ListenAddress): Promise<void> {
    const server = new MetricsServer({
      ...at,
      render: () => this.metricsText(),
      log: this.#opts.log.child({ component: "metrics-server" }),
    });
    try {
      this.metricsUrl = await server.listen();
      this.#metricsServer = server;
    } catch (err) {
      this.#opts.log.error({ err, listen: at }, "cannot serve /metrics; the collector runs without it");
    }
  }

  /** Stops sources, spools what they read, and ships for up to `drainMs` before giving up (the spool keeps the rest). */
  async stop(drainMs = 5000): Promise<void> {
    // A spool that refuses writes (disk full) would hold the sources' last emits forever.
    const giveUp = setTimeout(() => this.#pipeline?.close(), drainMs);
    // Sources stop in reverse start order, so the receivers (started first) stop last.
    for (const source of [...this.#receivers, ...this.#sources].reverse()) {
      await source
        .stop()
        .catch((err) => this.#opts.log.warn({ err: String(err), source: source.name }, "source stop failed"));
      this.#opts.log.debug({ source: source.name }, "source stopped");
    }
    await this.#pipeline?.flush();
    clearTimeout(giveUp);
    await this.#shipper?.drain(drainMs);
    await this.#shipper?.stop();
    await this.#metricsServer?.close();
  }
}

export function defaultSpoolDir(dataDir: string): string {
  return join(dataDir, "spool");
}
