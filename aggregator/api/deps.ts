import type { Registry } from "prom-client";
import type { AggregatorMetrics } from "../metrics.ts";
import type { Store } from "../store/store.ts";

/** What every route plug-in is given. */
export interface ApiDeps {
  store: Store;
  metrics: AggregatorMetrics;
  /** Shared secret collectors must send to ingest; none means ingest is open. */
  token?: string;
  version: string;
  /** Further registries served on /metrics (the in-process collector under `fleetscope up`). */
  extraRegistries: Registry[];
}
