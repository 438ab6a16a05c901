import type { Registry } from "prom-client";
import type { AggregatorMetrics } from "../metrics.ts";
import type { Store } from "../store/store.ts";

/** Prometheus text-format exposition rendered per scrape; must not repeat a family of a registry. */
export type TextMetricsSource = () => Promise<string>;

/** What every route plug-in is given. */
export interface ApiDeps {
  store: Store;
  metrics: AggregatorMetrics;
  /** Shared secret collectors must send to ingest; none means ingest is open. */
  token?: string;
  version: string;
  /**
   * Further sources served on /metrics: prom-client registries, or functions returning exposition
   * text (the in-process collector's registry and its cAdvisor-compatible families under `up`).
   */
  extraRegistries: (Registry | TextMetricsSource)[];
}
