// Loki's /loki/api/v1/tail: Grafana's live mode opens it as a WebSocket (through its data source
// proxy, which adds the data source's Authorization header) and shows each frame's lines as they
// come. fleetscope has no push path from ingest to readers, so each socket polls the store behind a
// cursor (query/logql-tail.ts) once a second. The query is parsed and checked before the upgrade,
// so a query Loki would refuse gets Loki's 400, and no token the API's 401, never a socket.
import { setTimeout as sleep } from "node:timers/promises";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type LokiTailFrame, LokiTailQuery } from "../../../protocol/api/loki.ts";
import { bearerToken } from "../../auth/hook.ts";
import { selectorConditions } from "../../query/logql.ts";
import { annotationKind } from "../../query/logql-annotations.ts";
import { LogqlError, type LogSelector, parseLogql } from "../../query/logql-parse.ts";
import { type TailCursor, type TailPage, tailAfter, tailBacklog } from "../../query/logql-tail.ts";
import { type RowScope, withRowScope } from "../../query/scope.ts";
import { withQueryContext } from "../../store/query-context.ts";
import type { ApiDeps } from "../deps.ts";
import { GateRefusal } from "../limits.ts";
import { requestPrincipal, rowScopeOf } from "../row-scope.ts";
import { lokiError, nowNs, parseLimit, timestamp } from "./loki.ts";

const NS_PER_S = 1_000_000_000n;
const HOUR_NS = 3600n * NS_PER_S;
/** Loki's bound on delay_for (maxDelayForInTailing). */
const MAX_DELAY_S = 5;
/** How often a socket asks the store for lines after its cursor. */
const POLL_MS = 1000;
/** Lines one read takes; a poll reads at most MAX_PAGES, the rest comes at the next poll. */
const PAGE = 1000;
const MAX_PAGES = 10;
/**
 * Bytes waiting in a socket's send buffer past which its lines are dropped (and said in
 * dropped_entries) instead of queued: a client that reads slowly or not at all holds at most this.
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Dropped lines remembered to tell the client; more are counted only (the metric). */
const MAX_DROPPED = 1000;

/** What a tail reads, settled before the upgrade. */
interface TailPlan {
  sel: LogSelector;
  startNs: bigint;
  limit: number;
  delayNs: bigint;
}

/** The part of a `ws` WebSocket a tail uses. */
interface TailSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  once(event: "close", listener: () => void): void;
}

const plans = new WeakMap<FastifyRequest, TailPlan>();

export async function lokiTailRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  // Registered here, so only this plug-in's routes (this one) take WebSocket upgrades. A client
  // sends nothing after the upgrade but close and pong frames.
  await fastify.register(websocket, { options: { maxPayload: 1024 } });
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(lokiError);
  app.route({
    method: "GET",
    url: "/loki/api/v1/tail",
    schema: {
      summary: "New log lines of a LogQL query as they are stored, over a WebSocket, as Loki sends them",
      description:
        "Upgrade to a WebSocket; each text frame is a LokiTailFrame: first the newest `limit` lines since `start`, then every later line once, oldest first.",
      tags: ["loki"],
      querystring: LokiTailQuery,
    },
    preHandler: async (req, reply) => {
      const plan = await planOf(deps, req.query);
      if (!req.ws) return;
      if (!reserveTail(deps, req, reply)) return;
      plans.set(req, plan);
    },
    // A plain GET gets what Loki's WebSocket upgrader answers it: 400.
    handler: async (_req, reply) =>
      reply
        .code(400)
        .type("text/plain; charset=utf-8")
        .send(
          "websocket: the client is not using the websocket protocol: open /loki/api/v1/tail as a WebSocket",
        ),
    wsHandler: (socket, req) => {
      const plan = plans.get(req);
      if (!plan) return socket.close(1011, "tail not prepared");
      void follow(socket as TailSocket, plan, tailContext(deps, req));
    },
  });
}

/** The query parameters as a tail plan; a query Loki would refuse throws LogqlError (400). */
async function planOf(deps: ApiDeps, q: LokiTailQuery): Promise<TailPlan> {
  const parsed = parseLogql(q.query);
  if (parsed.kind !== "logs")
    throw new LogqlError(
      "parse error : a tail follows log lines: give a log query (a stream selector and filters), not a metric; /loki/api/v1/query_range answers metrics",
    );
  if (annotationKind(parsed.selector))
    throw new LogqlError("parse error : the annotation streams are read with query_range, not tailed");
  const now = nowNs();
  const plan = {
    sel: parsed.selector,
    // A start left out is read once, now: read again at each poll it would move (and skip lines).
    startNs: timestamp("start", q.start, now - HOUR_NS),
    limit: parseLimit(q.limit),
    delayNs: BigInt(parseDelay(q.delay_for)) * NS_PER_S,
  };
  // The selector's regexes compiled by the store now, so a bad one is a 400, not a closed socket.
  await selectorConditions(deps.store, plan.sel, { startNs: plan.startNs, endNs: now });
  return plan;
}

/** delay_for as Loki reads it: whole seconds, 0 to 5. */
function parseDelay(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new LogqlError(`invalid parameter "delay_for": must be whole seconds, got "${value}"`);
  if (n > MAX_DELAY_S) throw new LogqlError(`delay_for can't be greater than ${MAX_DELAY_S}`);
  return n;
}

/**
 * Takes one of the process's tail slots (--max-tails) until the connection closes; at the limit
 * answers 503 before the upgrade and returns false.
 */
function reserveTail(deps: ApiDeps, req: FastifyRequest, reply: FastifyReply): boolean {
  const tails = deps.limits.tails;
  if (tails.open >= tails.max) {
    reply
      .code(503)
      .header("retry-after", "5")
      .send({
        error: `${tails.open} Loki tails are open, the limit (--max-tails); close one (a Grafana live view) or raise the limit`,
        statusCode: 503,
      });
    return false;
  }
  tails.open++;
  req.raw.socket.once("close", () => tails.open--);
  return true;
}

/** Who the tail reads for, captured at the upgrade: its scope, its gate key, its token. */
interface TailContext {
  deps: ApiDeps;
  scope: RowScope;
  gateKey: string;
  /** Whether the token that opened the tail is still valid (not revoked since). */
  stillValid: () => boolean;
  log: FastifyRequest["log"];
}

function tailContext(deps: ApiDeps, req: FastifyRequest): TailContext {
  const principal = requestPrincipal(req);
  const secret = bearerToken(req.headers.authorization) ?? "";
  return {
    deps,
    scope: rowScopeOf(principal),
    gateKey: `token:${principal.tokenId}`,
    stillValid: () => deps.tokens.verify(secret)?.tokenId === principal.tokenId,
    log: req.log,
  };
}

/** Sends the backlog, then polls until the socket closes; the poller ends with it. */
async function follow(socket: TailSocket, plan: TailPlan, ctx: TailContext): Promise<void> {
  const stop = new AbortController();
  socket.once("close", () => stop.abort());
  const sender = new FrameSender(socket, ctx);
  const { metrics } = ctx.deps;
  metrics.lokiTails.inc();
  try {
    const until = nowNs() - plan.delayNs;
    let cursor = (
      await read(ctx, stop.signal, () =>
        tailBacklog(ctx.deps.store, plan.sel, { startNs: plan.startNs, endNs: until }, plan.limit),
      )
    ).cursor;
    while (!stop.signal.aborted) {
      await sleep(POLL_MS, undefined, { signal: stop.signal });
      if (!ctx.stillValid()) return socket.close(1008, "the token was revoked");
      cursor = await poll(ctx, stop.signal, plan, cursor, sender);
    }
  } catch (err) {
    if (stop.signal.aborted) return;
    ctx.log.warn({ err }, "Loki tail stopped");
    socket.close(1011, String((err as Error).message).slice(0, 120));
  } finally {
    metrics.lokiTails.dec();
  }

  /** A read in the reader's scope, under the store's limits, abandoned when the socket closes. */
  async function read(c: TailContext, signal: AbortSignal, fn: () => Promise<TailPage>) {
    const page = await withQueryContext({ signal, limited: true }, () => withRowScope(c.scope, fn));
    sender.deliver(page);
    return page;
  }
}

/**
 * The lines after `cursor` up to now − delay_for, page by page, each in a read slot of the token
 * (as any read); the new cursor. A burst over MAX_PAGES goes on at the next poll, nothing skipped.
 */
async function poll(
  ctx: TailContext,
  signal: AbortSignal,
  plan: TailPlan,
  cursor: TailCursor,
  sender: FrameSender,
): Promise<TailCursor> {
  let release: () => void;
  try {
    release = await ctx.deps.limits.queries.enter(ctx.gateKey, signal);
  } catch (err) {
    if (err instanceof GateRefusal) return cursor; // busy: this poll is skipped, the next one asks again
    throw err;
  }
  try {
    const until = nowNs() - plan.delayNs;
    for (let p = 0; p < MAX_PAGES; p++) {
      const page = await withQueryContext({ signal, limited: true }, () =>
        withRowScope(ctx.scope, () => tailAfter(ctx.deps.store, plan.sel, cursor, until, PAGE)),
      );
      sender.deliver(page);
      cursor = page.cursor;
      if (page.lines < PAGE) break;
    }
    return cursor;
  } finally {
    release();
  }
}

/**
 * Writes frames to one socket. While its send buffer holds more than MAX_BUFFERED_BYTES (the
 * client reads slower than lines come) lines are dropped, not queued, and the next frame sent
 * says which (dropped_entries), as Loki's tailer does.
 */
class FrameSender {
  readonly #socket: TailSocket;
  readonly #ctx: TailContext;
  #dropped: NonNullable<LokiTailFrame["dropped_entries"]> = [];

  constructor(socket: TailSocket, ctx: TailContext) {
    this.#socket = socket;
    this.#ctx = ctx;
  }

  deliver(page: TailPage): void {
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#drop(page);
      return;
    }
    if (page.lines === 0 && this.#dropped.length === 0) return;
    const frame: LokiTailFrame = {
      ...(page.lines > 0 && { streams: page.streams }),
      ...(this.#dropped.length > 0 && { dropped_entries: this.#dropped }),
    };
    this.#dropped = [];
    this.#socket.send(JSON.stringify(frame));
  }

  #drop(page: TailPage): void {
    this.#ctx.deps.metrics.lokiTailDropped.inc(page.lines);
    for (const s of page.streams)
      for (const [timestamp] of s.values)
        if (this.#dropped.length < MAX_DROPPED) this.#dropped.push({ timestamp, labels: s.stream });
  }
}
