import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { ApiDeps } from "./api/deps.ts";
import { InsertHealth } from "./api/insert-health.ts";
import { type AggregatorLimits, apiLimits, defaultLimits } from "./api/limits.ts";
import {
  checkExposure,
  DEFAULT_NETWORK,
  type ListenAddress,
  Listeners,
  loadTls,
  type NetworkOptions,
  urlOf,
} from "./api/listeners.ts";
import { buildApi } from "./api/server.ts";
import { ensureAdminToken } from "./auth/bootstrap.ts";
import { allowedHosts } from "./auth/host-check.ts";
import { TokenStore } from "./auth/tokens.ts";
import { DEFAULT_DETECTOR, type DetectorOptions, IncidentDetector } from "./incidents/detector.ts";
import { createAggregatorMetrics, registerStoreDisk } from "./metrics.ts";
import { DEFAULT_NOTIFY, type Notifier, type NotifyOptions } from "./notify/notifier.ts";
import { startNotifiers } from "./notify/registry.ts";
import { Store, type StoreOptions } from "./store/store.ts";

export interface AggregatorOptions extends Omit<StoreOptions, "log"> {
  host: string;
  port: number;
  /**
   * Where the admin token of this machine is kept (`<data>/admin.token`): created there on the
   * first start of a store without one (auth/bootstrap.ts).
   */
  adminTokenFile?: string;
  /** Names the API answers for besides this machine's own (--allowed-hosts; "*" for any). */
  allowedHosts?: string[];
  version: string;
  log: Logger;
  /** TLS, the ingest listener, connection cap and timeouts; each defaults to DEFAULT_NETWORK's. */
  network?: Partial<NetworkOptions>;
  /** Batch size, ingest and query concurrency, the disk floor; each defaults to defaultLimits()'. */
  limits?: Partial<AggregatorLimits>;
  /** The incident rules' settings (incidents/registry.ts), each defaulting to the rule's own. */
  incidents?: Partial<DetectorOptions>;
  /** Where incidents are sent (Alertmanager, a webhook); externalUrl defaults to the API's URL. */
  notify?: Partial<NotifyOptions>;
}

/** The central service: the store, its HTTP API and the incident detector. Holds no state of its own besides the store. */
export class Aggregator {
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly url: string;
  /** The ingest listener's URL (--ingest-listen), else the API's. */
  readonly ingestUrl: string;
  readonly #listeners: Listeners;
  /** The API's tokens (`up` makes its collector's with it). */
  readonly tokens: TokenStore;
  /** Registries served on /metrics besides the aggregator's own; may grow after start. */
  readonly metricsRegistries: ApiDeps["extraRegistries"];
  readonly #detector: IncidentDetector;
  #notifiers: Notifier[] = [];

  private constructor(
    store: Store,
    app: FastifyInstance,
    url: string,
    metricsRegistries: ApiDeps["extraRegistries"],
    detector: IncidentDetector,
    tokens: TokenStore,
    listeners: Listeners,
    ingestUrl: string,
  ) {
    this.tokens = tokens;
    this.#listeners = listeners;
    this.ingestUrl = ingestUrl;
    this.store = store;
    this.app = app;
    this.url = url;
    this.metricsRegistries = metricsRegistries;
    this.#detector = detector;
  }

  static async start(opts: AggregatorOptions): Promise<Aggregator> {
    const extraRegistries: ApiDeps["extraRegistries"] = [];
    const net: NetworkOptions = { ...DEFAULT_NETWORK, ...opts.network };
    // Refused before the store opens: a misconfigured listener should fail fast and say why.
    const tls = await loadTls(net.tls);
    const listen: ListenAddress[] = [{ host: opts.host, port: opts.port }];
    if (net.ingestListen) listen.push(net.ingestListen);
    checkExposure(listen, tls, net.insecure, opts.log);
    const metrics = createAggregatorMetrics();
    const listeners = new Listeners(net, tls, metrics);
    const store = await Store.open({ ...opts, log: opts.log.child({ component: "store" }) });
    registerStoreDisk(metrics.registry, () => store.diskUsage());
    const authLog = opts.log.child({ component: "auth" });
    const tokens = new TokenStore(store, (err) =>
      authLog.warn({ err }, "tokens not reloaded; the last loaded stay in force"),
    );
    try {
      await tokens.start();
      if (opts.adminTokenFile) await ensureAdminToken(tokens, opts.adminTokenFile, authLog);
      const detector = new IncidentDetector(store, opts.log.child({ component: "incidents" }), {
        ...DEFAULT_DETECTOR,
        ...opts.incidents,
      });
      const app = await buildApi(
        {
          store,
          metrics,
          tokens,
          allowedHosts: await allowedHosts(
            opts.allowedHosts,
            listen.map((l) => l.host),
            tls?.cert,
          ),
          version: opts.version,
          extraRegistries,
          limits: apiLimits({ ...defaultLimits(), ...opts.limits }, metrics),
          inserts: new InsertHealth(),
          // A death is an incident as soon as it is stored, not at the detector's next interval.
          onBatchStored: (rows) => detector.wakeFor(rows),
        },
        opts.log.child({ component: "api" }),
        listeners.serverFactory,
      );
      await app.listen({ host: opts.host, port: opts.port });
      const addr = app.server.address();
      const port = typeof addr === "object" && addr ? addr.port : opts.port;
      const url = urlOf(listeners.scheme, opts.host, port);
      const ingestUrl = net.ingestListen
        ? urlOf(listeners.scheme, net.ingestListen.host, await listeners.listenIngest(net.ingestListen))
        : url;
      const notifiers = await startNotifiers(notifyOptions(opts.notify, url), {
        store,
        metrics,
        log: opts.log.child({ component: "notify" }),
      });
      for (const n of notifiers) detector.onWritten((written) => n.written(written));
      detector.start();
      const aggregator = new Aggregator(
        store,
        app,
        url,
        extraRegistries,
        detector,
        tokens,
        listeners,
        ingestUrl,
      );
      aggregator.#notifiers = notifiers;
      return aggregator;
    } catch (err) {
      tokens.stop();
      await store.close();
      throw err;
    }
  }

  /** Stops accepting requests, lets those in flight finish, then closes the store. */
  async stop(): Promise<void> {
    await this.#listeners.closeIngest();
    await this.app.close();
    this.tokens.stop();
    await this.#detector.stop();
    await Promise.all(this.#notifiers.map((n) => n.stop()));
    await this.store.close();
  }
}

/** The notifiers' settings: each one not given its default, the links' base the API's own URL. */
function notifyOptions(given: Partial<NotifyOptions> = {}, apiUrl: string): NotifyOptions {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return { alertmanagerUrls: [], ...DEFAULT_NOTIFY, externalUrl: apiUrl, ...set };
}
