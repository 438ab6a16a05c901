// What a store query may use, and when it must stop. The API runs every request inside a context
// carrying an AbortSignal that fires when its client goes away (api/request-context.ts), so
// Store.rows can give up on work nobody waits for without each query function passing it down.
import { AsyncLocalStorage } from "node:async_hooks";

export interface QueryContext {
  /** Fires when the result is no longer wanted (the client disconnected). */
  signal: AbortSignal;
  /** Whether the store's query limits apply: reads, not ingest's own lookups nor token admin. */
  limited: boolean;
}

const current = new AsyncLocalStorage<QueryContext>();

/** Runs `fn` (and everything it starts) inside `context`. */
export function withQueryContext<T>(context: QueryContext, fn: () => T): T {
  return current.run(context, fn);
}

/** The context of the code running now; none outside a request (the detector, migrations). */
export function currentQueryContext(): QueryContext | undefined {
  return current.getStore();
}

/** Bounds every SELECT of the store gets (--query-timeout, --query-memory). */
export interface QueryLimits {
  /** ClickHouse's max_execution_time, in milliseconds. */
  timeoutMs: number;
  /** ClickHouse's max_memory_usage, in bytes. */
  memoryBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { timeoutMs: 30_000, memoryBytes: 2 * 1024 ** 3 };

/** Why a query was stopped before it answered; api/server.ts maps each to a status. */
export type QueryStopReason = "timeout" | "memory" | "cancelled";

/** A query the store stopped: over its time or memory limit, or its client went away. */
export class QueryStopped extends Error {
  readonly reason: QueryStopReason;
  constructor(reason: QueryStopReason, message: string) {
    super(message);
    this.name = "QueryStopped";
    this.reason = reason;
  }
}

// ClickHouse's error codes for the two limits.
const TIMEOUT_EXCEEDED = "159";
const MEMORY_LIMIT_EXCEEDED = "241";

/**
 * The QueryStopped an error of the store stands for, or undefined when it is some other fault. The
 * messages are for the API's caller: what happened, and what to do about it.
 */
export function stoppedBy(err: unknown, limits: QueryLimits, signal?: AbortSignal): QueryStopped | undefined {
  if (signal?.aborted) return new QueryStopped("cancelled", "the client closed the request; query abandoned");
  const code = String((err as { code?: unknown })?.code ?? "");
  if (code === TIMEOUT_EXCEEDED)
    return new QueryStopped(
      "timeout",
      `the query ran past the aggregator's limit of ${limits.timeoutMs / 1000} s (--query-timeout) and was stopped; narrow it (a shorter since/until, a host or container) and ask again`,
    );
  if (code === MEMORY_LIMIT_EXCEEDED)
    return new QueryStopped(
      "memory",
      `the query needed more than the aggregator's limit of ${Math.round(limits.memoryBytes / 1024 ** 2)} MiB (--query-memory) and was stopped; narrow it (a shorter since/until, a host or container, a lower limit) and ask again`,
    );
  return undefined;
}
