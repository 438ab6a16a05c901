import { mkdir } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import type { Logger } from "pino";
import { DockerInventory } from "./docker/inventory.ts";
import { MetricsServer } from "./http/metrics-server.ts";
import type { MultilineMode } from "./logs/multiline.ts";
import { BlockDeviceNames, renderCadvisorMetrics } from "./metrics/cadvisor.ts";
import { type CollectorMetrics, createCollectorMetrics } from "./metrics.ts";
import { DEFAULT_MAX_LINE_BYTES, Pipeline } from "./pipeline.ts";
import { createReceivers, type ReceiverConfig } from "./receivers/create-receivers.ts";
import type { Receiver } from "./receivers/receiver.ts";
import { Shipper } from "./shipper.ts";
import { ContainerStatsSource } from "./sources/container-stats.ts";
import { ContainersSource } from "./sources/containers.ts";
import { DockerEventsSource } from "./sources/docker-events.ts";
import { DockerLocalLogSource } from "./sources/docker-local-logs.ts";
import { HostSource } from "./sources/host.ts";
import { JournaldSource } from "./sources/journald.ts";
import { JsonFileLogSource } from "./sources/json-file-logs.ts";
import { ProcessesSource } from "./sources/processes.ts";
import type { Source } from "./sources/source.ts";
import { type FullPolicy, Spool } from "./spool/spool.ts";

export interface CollectorOptions {
  aggregatorUrl: string;
  token?: string;
  spoolDir: string;
  spoolMaxBytes: number;
  spoolFullPolicy: FullPolicy;
  hostName: string;
  dockerSocket: string;
  statsIntervalMs: number;
  /** Read the systemd journal (needs journalctl). */
  journal: boolean;
  /** First start only: read the journal from this time (journalctl --since); default all of it. */
  journalSince?: string;
  journalctlPath: string;
  procRoot: string;
  cgroupRoot: string;
  /** The host's /sys (network interfaces for the machine view). */
  sysRoot?: string;
  /** Operator labels stamped on the host heartbeat (--label). */
  labels?: Record<string, string>;
  /** fleet's config file, read for its machine metadata. */
  fleetConf?: string;
  /** Serve GET /metrics (cAdvisor-compatible + fleetscope_collector_*) here; none under `up`. */
  metricsListen?: { host: string; port: number };
  /** Container label keys exposed as container_label_* on /metrics (allow-list; default none). */
  containerLabels?: string[];
  /** Network receivers for Docker's syslog, GELF and fluentd drivers; none when absent. */
  receivers?: ReceiverConfig;
  /** Join multi-line stack traces of container streams (--multiline); default off. */
  multiline?: MultilineMode;
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
  #stats: ContainerStatsSource | undefined;
  #metricsServer: MetricsServer | undefined;
  /** Where GET /metrics is served, once started with `metricsListen`. */
  metricsUrl: string | undefined;

  constructor(opts: CollectorOptions) {
    this.#opts = opts;
    this.#spool = new Spool({
      dir: opts.spoolDir,
      host: opts.hostName,
      maxBytes: opts.spoolMaxBytes,
      fullPolicy: opts.spoolFullPolicy,
      log: opts.log.child({ component: "spool" }),
      onDropped: (batch) => {
        for (const [source, n] of Object.entries(batch.sources))
          this.metrics.recordsDropped.inc({ source }, n);
      },
    });
    this.metrics = createCollectorMetrics(() => this.#spool.stats);
  }

  async start(): Promise<void> {
    const o = this.#opts;
    await mkdir(o.spoolDir, { recursive: true });
    await this.#spool.open();
    this.#shipper = new Shipper(
      this.#spool,
      {
        aggregatorUrl: o.aggregatorUrl,
        token: o.token,
        requestTimeoutMs: 30_000,
        minBackoffMs: 250,
        maxBackoffMs: 30_000,
        concurrency: 2,
      },
      o.log.child({ component: "shipper" }),
      this.metrics,
    );
    this.#shipper.start();
    const maxLineBytes = o.receivers?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#pipeline = new Pipeline(
      this.#spool,
      { maxBatchRecords: 5000, flushIntervalMs: 100, maxLineBytes, multiline: o.multiline },
      this.metrics,
    );

    const docker = new Docker({ socketPath: o.dockerSocket });
    const inventory = new DockerInventory(docker, o.log.child({ component: "inventory" }));
    // Receivers first: Docker refuses to start a container whose syslog-TCP or fluentd endpoint is down.
    this.#receivers = o.receivers ? createReceivers(o.receivers) : [];
    for (const receiver of this.#receivers) {
      await this.#startSource(receiver, inventory).catch((err: Error) => {
        const flag = `--${receiver.name}-listen`;
        throw new Error(
          `the ${receiver.name} receiver cannot start: ${err.message}; move it with ${flag} HOST:PORT or turn it off with ${flag} off`,
        );
      });
    }
    await inventory
      .sync()
      .catch((err) => o.log.error({ err: String(err) }, `cannot list containers via ${o.dockerSocket}`));
    this.#stats = new ContainerStatsSource({
      intervalMs: o.statsIntervalMs,
      procRoot: o.procRoot,
      cgroupRoot: o.cgroupRoot,
      docker,
    });
    this.#sources = [
      new HostSource({
        collectorId: this.#spool.collectorId,
        version: o.version,
        intervalMs: 30_000,
        procRoot: o.procRoot,
        sysRoot: o.sysRoot,
        labels: o.labels,
        fleetConf: o.fleetConf,
      }),
      new ContainersSource({ refreshMs: 60_000 }),
      new DockerEventsSource(docker, inventory),
      this.#stats,
      new ProcessesSource({ intervalMs: o.statsIntervalMs, procRoot: o.procRoot, cgroupRoot: o.cgroupRoot }),
      // The merger keeps a little more than the limit, so the pipeline sees the line is too long and marks it.
      new JsonFileLogSource({ maxRecordBytes: maxLineBytes + 1 }),
      new DockerLocalLogSource(docker),
    ];
    if (o.journal)
      this.#sources.push(
        new JournaldSource({ journalctlPath: o.journalctlPath, firstStartSince: o.journalSince }),
      );

    for (const source of this.#sources) await this.#startSource(source, inventory);
    o.log.info(
      {
        host: o.hostName,
        aggregator: o.aggregatorUrl,
        spool: o.spoolDir,
        sources: this.#sources.map((s) => s.name),
        receivers: this.#receivers.flatMap((r) => r.addresses),
      },
      "collector started",
    );
    if (o.metricsListen) await this.#serveMetrics(o.metricsListen);
  }

  async #startSource(source: Source, inventory: DockerInventory): Promise<void> {
    const pipeline = this.#pipeline as Pipeline;
    const log = this.#opts.log.child({ source: source.name });
    await source.start({
      host: this.#opts.hostName,
      cursor: this.#spool.cursors[source.name],
      emit: (records, cursor) => pipeline.emit(source.name, records, cursor),
      spooled: () => pipeline.flush(),
      malformed: (count) => this.metrics.malformedInput.inc({ source: source.name }, count),
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

  #deviceNames: BlockDeviceNames | undefined;

  /** The cAdvisor-compatible container and machine metrics (collector/metrics/cadvisor.ts). */
  async cadvisorMetrics(): Promise<string> {
    const snapshots = this.#stats?.snapshots() ?? [];
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
  async #serveMetrics(at: { host: string; port: number }): Promise<void> {
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
    // Sources stop in reverse start order, so the receivers (started first) stop last.
    for (const source of [...this.#receivers, ...this.#sources].reverse()) {
      await source
        .stop()
        .catch((err) => this.#opts.log.warn({ err: String(err), source: source.name }, "source stop failed"));
      this.#opts.log.debug({ source: source.name }, "source stopped");
    }
    await this.#pipeline?.flush();
    await this.#shipper?.drain(drainMs);
    await this.#shipper?.stop();
    await this.#metricsServer?.close();
  }
}

export function defaultSpoolDir(dataDir: string): string {
  return join(dataDir, "spool");
}
