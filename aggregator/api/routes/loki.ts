// The Loki-compatible read API: Grafana's Loki data source reads fleetscope's logs through it.
// A query Loki would refuse answers as Loki's do (its server.WriteError: 400, the message as plain
// text), which Grafana shows as it is; other errors answer in the API's JSON shape like elsewhere.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  LokiInstantQuery,
  LokiLabelParams,
  LokiLabelsAnswer,
  LokiLabelsQuery,
  LokiQueryAnswer,
  LokiRangeQuery,
  LokiSeriesAnswer,
  LokiSeriesQuery,
} from "../../../protocol/api/loki.ts";
import { InvalidArgument } from "../../query/errors.ts";
import {
  labelNames,
  labelValues,
  queryMetric,
  queryStreams,
  seconds,
  series,
  type Window,
} from "../../query/logql.ts";
import { durationNs, LogqlError, type LogSelector, parseLogql } from "../../query/logql-parse.ts";
import type { ApiDeps } from "../deps.ts";

const NS_PER_S = 1_000_000_000n;
const HOUR_NS = 3600n * NS_PER_S;
/** Loki's default limit and its default max_entries_limit_per_query. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 5000;

export async function lokiRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(lokiError);

  app.get(
    "/loki/api/v1/query_range",
    {
      schema: {
        summary: "Log lines of a LogQL query, as Loki answers",
        tags: ["loki"],
        querystring: LokiRangeQuery,
        response: { 200: LokiQueryAnswer },
      },
    },
    async (req) => {
      const q = parseLogql(req.query.query);
      const w = rangeWindow(req.query.start, req.query.end);
      if (q.kind === "metric") {
        const result = await queryMetric(store, q, { ...w, stepNs: parseStep(req.query.step, w) });
        return { status: "success" as const, data: { resultType: "matrix" as const, result, stats: {} } };
      }
      if (q.kind !== "logs")
        throw new LogqlError("parse error : a constant is answered at an instant (/query)");
      const limit = parseLimit(req.query.limit);
      const result = await queryStreams(store, q.selector, w, limit, req.query.direction ?? "backward");
      return { status: "success" as const, data: { resultType: "streams" as const, result, stats: {} } };
    },
  );

  app.get(
    "/loki/api/v1/query",
    {
      schema: {
        summary: "A LogQL expression at an instant, as Loki answers",
        tags: ["loki"],
        querystring: LokiInstantQuery,
        response: { 200: LokiQueryAnswer },
      },
    },
    async (req) => {
      const q = parseLogql(req.query.query);
      // Loki's own refusal of a log query at an instant (ErrUnsupportedSyntaxForInstantQuery).
      if (q.kind === "logs")
        throw new LogqlError(
          "log queries are not supported as an instant query type, please change your query to a range query type",
        );
      const at = timestamp("time", req.query.time, nowNs());
      const atSeconds = seconds(at);
      if (q.kind === "metric") {
        const series = await queryMetric(store, q, { startNs: at, endNs: at, stepNs: NS_PER_S });
        const result = series.map((s) => ({ metric: s.metric, value: s.values[0] as [number, string] }));
        return { status: "success" as const, data: { resultType: "vector" as const, result, stats: {} } };
      }
      const value = String(q.value);
      const data = q.vector
        ? {
            resultType: "vector" as const,
            result: [{ metric: {}, value: [atSeconds, value] as [number, string] }],
            stats: {},
          }
        : { resultType: "scalar" as const, result: [atSeconds, value] as [number, string], stats: {} };
      return { status: "success" as const, data };
    },
  );

  app.get(
    "/loki/api/v1/labels",
    {
      schema: {
        summary: "Label names of the window's lines",
        tags: ["loki"],
        querystring: LokiLabelsQuery,
        response: { 200: LokiLabelsAnswer },
      },
    },
    async (req) => {
      const w = rangeWindow(req.query.start, req.query.end);
      return { status: "success" as const, data: await labelNames(store, w, selectorOf(req.query.query)) };
    },
  );

  app.get(
    "/loki/api/v1/label/:name/values",
    {
      schema: {
        ...{
          summary: "Values of one label in the window",
          tags: ["loki"],
          querystring: LokiLabelsQuery,
          response: { 200: LokiLabelsAnswer },
        },
        params: LokiLabelParams,
      },
    },
    async (req) => {
      const w = rangeWindow(req.query.start, req.query.end);
      return {
        status: "success" as const,
        data: await labelValues(store, req.params.name, w, selectorOf(req.query.query)),
      };
    },
  );

  app.get(
    "/loki/api/v1/series",
    {
      schema: {
        summary: "Label sets of the lines the selectors match",
        tags: ["loki"],
        querystring: LokiSeriesQuery,
        response: { 200: LokiSeriesAnswer },
      },
    },
    async (req) => {
      const given = req.query["match[]"];
      const selectors = (Array.isArray(given) ? given : [given]).map((m) => {
        const sel = selectorOf(m);
        if (!sel)
          throw new LogqlError(
            'parse error : match[] is empty: give a stream selector such as {host="web-1"}',
          );
        return sel;
      });
      const w = rangeWindow(req.query.start, req.query.end);
      return { status: "success" as const, data: await series(store, selectors, w) };
    },
  );
}

/** A stream selector argument (labels, label values, series): a log query without pipeline stages too. */
function selectorOf(text: string | undefined): LogSelector | undefined {
  if (text === undefined || text === "") return undefined;
  const q = parseLogql(text);
  if (q.kind !== "logs")
    throw new LogqlError(`parse error : ${JSON.stringify(text)} is not a stream selector`);
  return q.selector;
}

export const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** start/end as Loki takes them: end defaults to now, start to an hour before end. */
function rangeWindow(start: string | undefined, end: string | undefined): Window {
  const endNs = timestamp("end", end, nowNs());
  const startNs = timestamp("start", start, endNs - HOUR_NS);
  if (endNs < startNs) throw new LogqlError("end timestamp must not be before or equal to start time");
  return { startNs, endNs };
}

/**
 * A time as Loki's parseTimestamp reads it: with a "." seconds (to the millisecond), an integer of
 * 10 digits or fewer seconds, a longer one nanoseconds, else RFC 3339.
 */
export function timestamp(name: string, value: string | undefined, def: bigint): bigint {
  if (value === undefined || value === "") return def;
  if (/^-?\d+\.\d*$/.test(value)) return BigInt(Math.round(Number(value) * 1000)) * 1_000_000n;
  if (/^-?\d+$/.test(value)) return value.length <= 10 ? BigInt(value) * NS_PER_S : BigInt(value);
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(ms))
    throw new LogqlError(`invalid parameter "${name}": cannot parse "${value}" to a valid timestamp`);
  const fraction = /\.(\d{1,9})/.exec(value)?.[1] ?? "";
  const subMs = BigInt(fraction.padEnd(9, "0").slice(3) || "0");
  return BigInt(ms) * 1_000_000n + subMs;
}

/** Loki's limit on a series' points per query. */
const MAX_POINTS = 11_000n;

/** step as Loki takes it: a duration or (fractional) seconds; default (end-start)/250, at least 1s. */
function parseStep(value: string | undefined, w: Window): bigint {
  const span = w.endNs - w.startNs;
  const step =
    value === undefined || value === ""
      ? NS_PER_S * (span / 250n / NS_PER_S > 1n ? span / 250n / NS_PER_S : 1n)
      : /^\d+(\.\d+)?$/.test(value)
        ? BigInt(Math.round(Number(value) * 1e9))
        : durationNs(value);
  if (step <= 0n)
    throw new LogqlError(
      "zero or negative query resolution step widths are not accepted. Try a positive integer",
    );
  if (span / step > MAX_POINTS)
    throw new LogqlError(
      "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
    );
  return step;
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new LogqlError(`invalid parameter "limit": must be a positive integer, got "${value}"`);
  if (n > MAX_LIMIT)
    throw new LogqlError(
      `max entries limit per query exceeded, limit > max_entries_limit_per_query (${n} > ${MAX_LIMIT})`,
    );
  return n;
}

/**
 * A query Loki would refuse answers as Loki's do: 400 and the message as plain text. Anything else
 * (a parameter the schema refuses, a query stopped at its limits, a fault) is thrown on to the
 * API's own error handler, which answers it like on every other route.
 */
export function lokiError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  if (!(err instanceof LogqlError || err instanceof InvalidArgument)) throw err;
  reply.code(400).type("text/plain; charset=utf-8").send(err.message);
}
