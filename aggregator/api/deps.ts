import type { Registry } from "prom-client";
import type { AllowedHosts } from "../auth/host-check.ts";
import type { TokenStore } from "../auth/tokens.ts";
import type { StoredRows } from "../ingest/ingest.ts";
import type { AggregatorMetrics } from "../metrics.ts";
import type { Store } from "../store/store.ts";
import type { InsertHealth } from "./insert-health.ts";
import type { ApiLimits } from "./limits.ts";

/** Prometheus text-format exposition rendered per scrape; must not repeat a family of a registry. */
export type TextMetricsSource = () => Promise<string>;

/** What every route plug-in is given. */
export interface ApiDeps {
  store: Store;
  metrics: AggregatorMetrics;
  /** The API's tokens: checked on every request but /healthz, managed by the admin routes. */
  tokens: TokenStore;
  /** The names a request may address this API by (the Host check). */
  allowedHosts: AllowedHosts;
  version: string;
  /** Batch size, ingest and query concurrency, the disk floor of /healthz (limits.ts). */
  limits: ApiLimits;
  /** Ingest's insert outcomes, for /healthz. */
  inserts: InsertHealth;
  /**
   * Further sources served on /metrics: prom-client registries, or functions returning exposition
   * text (the in-process collector's registry and its cAdvisor-compatible families under `up`).
   */
  extraRegistries: (Registry | TextMetricsSource)[];
  /** Told of every batch once committed (the incident detector wakes on a stored death). */
  onBatchStored?: (rows: StoredRows) => void;
}
