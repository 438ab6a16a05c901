// Where the shipper sends batches and with which token. The shipper reads both before every send,
// so a target that changes (one kept current from etcd, etcd/etcd-target.ts) applies to the next
// batch without a restart.

/** The aggregators to ship to, in order of preference, and the ingest token they expect. */
export interface ShipTarget {
  /** The aggregators, first preferred; empty while not known yet (an etcd key not set). */
  aggregators(): readonly string[];
  token(): string | undefined;
  /** Resolves once there is somewhere to ship to (and the token, where it comes from etcd). */
  known(signal: AbortSignal): Promise<void>;
  /** Calls `listener` after the aggregators or the token changed; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Where the token comes from, for the message of a 401/403. */
  readonly tokenSource: string;
  /** Where batches go, for logs and the start line (never the token). */
  describe(): string;
}

/** A target given once on the command line: `--aggregator` and `--token-file`/FLEETSCOPE_TOKEN. */
export function fixedTarget(
  aggregators: readonly string[],
  token: string | undefined,
  tokenSource: string,
): ShipTarget {
  if (aggregators.length === 0) throw new Error("at least one aggregator URL is needed");
  return {
    aggregators: () => aggregators,
    token: () => token,
    known: async () => {},
    onChange: () => () => {},
    tokenSource,
    describe: () => aggregators.join(", "),
  };
}
