// How many read requests may run at once: a few per token, so one caller cannot take the store
// from the others, and a global cap with a short queue behind it, so a burst waits a little and is
// then told to come back (429/503 with Retry-After) instead of queueing forever. Ingest, /healthz
// and /metrics are not gated: shipping must stay unaffected by query load.

import { availableParallelism } from "node:os";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type BatchLimits, DEFAULT_BATCH_LIMITS } from "../../protocol/batch.ts";
import type { AggregatorMetrics } from "../metrics.ts";
import { currentQueryContext, QueryStopped } from "../store/query-context.ts";

export interface QueryGateOptions {
  /** Requests of one token (or, without one, one client address) running or waiting at once. */
  perToken: number;
  /** Requests running at once over all callers. */
  global: number;
  /** Requests that may wait for a global slot; beyond it they are refused at once. */
  queue: number;
  /** How long a request waits for a global slot before it is refused. */
  queueWaitMs: number;
}

export const DEFAULT_QUERY_GATE: Omit<QueryGateOptions, "global"> = {
  perToken: 4,
  queue: 32,
  queueWaitMs: 5_000,
};

/** Why the gate turned a request away. */
export class GateRefusal extends Error {
  readonly statusCode: 429 | 503;
  readonly reason: "per_token" | "busy";
  constructor(reason: "per_token" | "busy", message: string) {
    super(message);
    this.reason = reason;
    this.statusCode = reason === "per_token" ? 429 : 503;
  }
}

interface Waiter {
  admit: () => void;
  timer: NodeJS.Timeout;
}

/** Counting semaphores: one per key, one global with a bounded FIFO queue. */
export class QueryGate {
  readonly #opts: QueryGateOptions;
  readonly #perKey = new Map<string, number>();
  #running = 0;
  readonly #queue: Waiter[] = [];

  /** Told the running and waiting counts whenever they change (the in-flight gauge). */
  readonly #observe: (running: number, waiting: number) => void;

  constructor(opts: QueryGateOptions, observe: (running: number, waiting: number) => void = () => {}) {
    this.#opts = opts;
    this.#observe = observe;
  }

  #changed(): void {
    this.#observe(this.#running, this.#queue.length);
  }

  /** Waits for a slot for `key`; resolves to its release, or rejects with a GateRefusal. */
  async enter(key: string, signal?: AbortSignal): Promise<() => void> {
    const mine = this.#perKey.get(key) ?? 0;
    if (mine >= this.#opts.perToken)
      throw new GateRefusal(
        "per_token",
        `this token already has ${mine} requests running (the limit is ${this.#opts.perToken}, --max-queries-per-token); wait for them, then retry`,
      );
    this.#perKey.set(key, mine + 1);
    try {
      await this.#globalSlot(signal);
    } catch (err) {
      this.#leaveKey(key);
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#leaveKey(key);
      this.#releaseGlobal();
    };
  }

  get running(): number {
    return this.#running;
  }

  #globalSlot(signal?: AbortSignal): Promise<void> {
    if (this.#running < this.#opts.global) {
      this.#running++;
      this.#changed();
      return Promise.resolve();
    }
    if (this.#queue.length >= this.#opts.queue) return Promise.reject(this.#busy());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener("abort", onAbort);
          this.#running++;
          this.#changed();
          resolve();
        },
        timer: setTimeout(() => leave(this.#busy()), this.#opts.queueWaitMs),
      };
      const leave = (err: Error) => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        clearTimeout(waiter.timer);
        signal?.removeEventListener("abort", onAbort);
        this.#changed();
        reject(err);
      };
      const onAbort = () =>
        leave(new QueryStopped("cancelled", "the client closed the request while it waited"));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
      this.#changed();
    });
  }

  #busy(): GateRefusal {
    return new GateRefusal(
      "busy",
      `the aggregator is answering ${this.#running} requests (the limit is ${this.#opts.global}, --max-queries) and ${this.#queue.length} wait; retry shortly`,
    );
  }

  #releaseGlobal(): void {
    this.#running--;
    const next = this.#queue.shift();
    if (next) next.admit();
    else this.#changed();
  }

  #leaveKey(key: string): void {
    const n = (this.#perKey.get(key) ?? 1) - 1;
    if (n <= 0) this.#perKey.delete(key);
    else this.#perKey.set(key, n);
  }
}

// Paths that never wait behind queries: collectors' ingest, health and the self-metrics a
// monitoring system needs most when the aggregator is busy, the API document, token admin.
const UNGATED = new Set(["/api/v1/ingest", "/healthz", "/metrics", "/api/v1/openapi.json"]);

/**
 * Whether a route reads for a caller: it waits for a slot, and its queries get the store's limits.
 * Every route but the few above: a route added under a new prefix (/loki/ was one) is gated
 * without anyone remembering to list it.
 */
export function isReadRoute(url: string | undefined): boolean {
  return url !== undefined && !UNGATED.has(url) && !url.startsWith("/api/v1/tokens");
}

/**
 * Read routes held open for as long as their client listens (the Loki tail's WebSocket): a slot
 * held for hours would starve the token's other reads, so each of their polls takes one instead
 * (routes/loki-tail.ts); their queries keep the store's limits.
 */
const HELD_OPEN = new Set(["/loki/api/v1/tail"]);

/** Whom a request counts against: its token once authenticated, else its client address. */
const gateKey = (req: FastifyRequest) =>
  req.principal?.tokenId ? `token:${req.principal.tokenId}` : `addr:${req.ip}`;

/** Seconds a refused caller is told to wait: about one query under the time limit, at most. */
const RETRY_AFTER_SECONDS = { per_token: 1, busy: 2 } as const;

/** Puts every read route behind `gate` (preHandler: after the token check and validation). */
export function installQueryGate(app: FastifyInstance, gate: QueryGate, metrics: AggregatorMetrics): void {
  app.addHook("preHandler", async (req: FastifyRequest, reply: FastifyReply) => {
    if (!isReadRoute(req.routeOptions.url) || HELD_OPEN.has(req.routeOptions.url ?? "")) return;
    let release: () => void;
    try {
      // The request context (request-context.ts) is entered by now: its signal fires on disconnect.
      release = await gate.enter(gateKey(req), currentQueryContext()?.signal);
    } catch (err) {
      if (!(err instanceof GateRefusal)) throw err;
      metrics.queriesRefused.inc({ reason: err.reason });
      return reply
        .code(err.statusCode)
        .header("retry-after", String(RETRY_AFTER_SECONDS[err.reason]))
        .send({ error: err.message, statusCode: err.statusCode });
    }
    // "close" comes once the answer is sent or the client went away, whichever is first.
    reply.raw.once("close", release);
    if (reply.raw.destroyed) release();
  });
  app.addHook("onError", async (_req, _reply, err) => {
    if (err instanceof QueryStopped) metrics.queriesStopped.inc({ reason: err.reason });
  });
}

/** At most `size` holders at once; the rest wait in order (ingest decoding: memory per batch). */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** The bounds the API enforces, built from the aggregator's flags. */
export interface ApiLimits {
  /** Decompressed bytes and records of one ingest batch (413 over them). */
  batch: BatchLimits;
  /** Batches decoded and inserted at once: each may hold its decompressed size in memory. */
  ingest: Slots;
  queries: QueryGate;
  /** /healthz is degraded when the store's disk has less free than this. */
  minFreeDiskBytes: number;
  /** Loki tails (WebSockets) open at once over the process, and how many are open now. */
  tails: { max: number; open: number };
}

/** What the aggregator bounds besides the network (flags of `aggregator` and `up`). */
export interface AggregatorLimits {
  batch: BatchLimits;
  /** Batches decoded and inserted at once. */
  ingestConcurrency: number;
  maxQueriesPerToken: number;
  maxQueries: number;
  /** /healthz is degraded below this much free space on the store's disk. */
  minFreeDiskBytes: number;
  /** Loki tails open at once (each polls the store every second). */
  maxTails: number;
}

export function defaultLimits(): AggregatorLimits {
  return {
    batch: DEFAULT_BATCH_LIMITS,
    ingestConcurrency: 2,
    maxQueriesPerToken: DEFAULT_QUERY_GATE.perToken,
    // Queries are CPU-bound in the store: a couple per core keeps every core busy.
    maxQueries: 2 * availableParallelism(),
    minFreeDiskBytes: 512 * 1024 ** 2,
    // A Grafana Explore in live mode holds one; each polls the store once a second.
    maxTails: 32,
  };
}

/** The API's bounds from the aggregator's; the gate reports its counts to the in-flight gauge. */
export function apiLimits(limits: AggregatorLimits, metrics: AggregatorMetrics): ApiLimits {
  const gate = { ...DEFAULT_QUERY_GATE, perToken: limits.maxQueriesPerToken, global: limits.maxQueries };
  return {
    batch: limits.batch,
    ingest: new Slots(limits.ingestConcurrency),
    queries: new QueryGate(gate, (running, waiting) => {
      metrics.queriesInFlight.set({ state: "running" }, running);
      metrics.queriesInFlight.set({ state: "waiting" }, waiting);
    }),
    minFreeDiskBytes: limits.minFreeDiskBytes,
    tails: { max: limits.maxTails, open: 0 },
  };
}
