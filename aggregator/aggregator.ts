import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { ApiDeps } from "./api/deps.ts";
import { buildApi } from "./api/server.ts";
import { DEFAULT_DETECTOR, type DetectorOptions, IncidentDetector } from "./incidents/detector.ts";
import { createAggregatorMetrics } from "./metrics.ts";
import { Store, type StoreOptions } from "./store/store.ts";

export interface AggregatorOptions extends Omit<StoreOptions, "log"> {
  host: string;
  port: number;
  token?: string;
  version: string;
  log: Logger;
  /** The incident rules' settings (incidents/registry.ts), each defaulting to the rule's own. */
  incidents?: Partial<DetectorOptions>;
}

/** The central service: the store, its HTTP API and the incident detector. Holds no state of its own besides the store. */
export class Aggregator {
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly url: string;
  /** Registries served on /metrics besides the aggregator's own; may grow after start. */
  readonly metricsRegistries: ApiDeps["extraRegistries"];
  readonly #detector: IncidentDetector;

  private constructor(
    store: Store,
    app: FastifyInstance,
    url: string,
    metricsRegistries: ApiDeps["extraRegistries"],
    detector: IncidentDetector,
  ) {
    this.store = store;
    this.app = app;
    this.url = url;
    this.metricsRegistries = metricsRegistries;
    this.#detector = detector;
  }

  static async start(opts: AggregatorOptions): Promise<Aggregator> {
    const extraRegistries: ApiDeps["extraRegistries"] = [];
    const store = await Store.open({ ...opts, log: opts.log.child({ component: "store" }) });
    try {
      const app = await buildApi(
        {
          store,
          metrics: createAggregatorMetrics(),
          token: opts.token,
          version: opts.version,
          extraRegistries,
        },
        opts.log.child({ component: "api" }),
      );
      await app.listen({ host: opts.host, port: opts.port });
      const addr = app.server.address();
      const port = typeof addr === "object" && addr ? addr.port : opts.port;
      const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      const detector = new IncidentDetector(store, opts.log.child({ component: "incidents" }), {
        ...DEFAULT_DETECTOR,
        ...opts.incidents,
      });
      detector.start();
      return new Aggregator(store, app, `http://${host}:${port}`, extraRegistries, detector);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** Stops accepting requests, lets those in flight finish, then closes the store. */
  async stop(): Promise<void> {
    await this.app.close();
    await this.#detector.stop();
    await this.store.close();
  }
}
