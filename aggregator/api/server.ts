import type { Duplex } from "node:stream";
import swagger from "@fastify/swagger";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerFactory,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import { NAME_PATTERN } from "../../protocol/api/tokens.ts";
import { IncidentWebhook } from "../../protocol/incident-webhook.ts";
import { registerAuth } from "../auth/hook.ts";
import { InvalidArgument, NotFound } from "../query/errors.ts";
import { QueryStopped } from "../store/query-context.ts";
import type { ApiDeps } from "./deps.ts";
import { installQueryGate } from "./limits.ts";
import { installRequestContext } from "./request-context.ts";
import { cadvisorRoutes } from "./routes/cadvisor.ts";
import { containersRoutes } from "./routes/containers.ts";
import { eventsRoutes } from "./routes/events.ts";
import { fleetMetricsRoutes } from "./routes/fleet-metrics.ts";
import { healthRoutes } from "./routes/health.ts";
import { hostsRoutes } from "./routes/hosts.ts";
import { incidentsRoutes } from "./routes/incidents.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { logsRoutes } from "./routes/logs.ts";
import { lokiRoutes } from "./routes/loki.ts";
import { lokiTailRoutes } from "./routes/loki-tail.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { overviewRoutes } from "./routes/overview.ts";
import { processesRoutes } from "./routes/processes.ts";
import { tokensRoutes } from "./routes/tokens.ts";
import { topRoutes } from "./routes/top.ts";
import { whyRoutes } from "./routes/why.ts";
import { enterRowScope } from "./row-scope.ts";
import { serializerCompiler } from "./serializer.ts";

const ROUTES = [
  healthRoutes,
  ingestRoutes,
  logsRoutes,
  eventsRoutes,
  containersRoutes,
  hostsRoutes,
  processesRoutes,
  topRoutes,
  overviewRoutes,
  whyRoutes,
  incidentsRoutes,
  cadvisorRoutes,
  metricsRoutes,
  fleetMetricsRoutes,
  lokiRoutes,
  lokiTailRoutes,
  tokensRoutes,
];

/** A route that declares no query parameters takes none: anything given is a mistake to report. */
const NO_QUERY_PARAMETERS = { type: "object", additionalProperties: false, properties: {} } as const;

// Node's limit on the request line plus headers (http.maxHeaderSize's default).
const MAX_HEADER_KIB = 16;
// fastify's default; a container id is 64 characters.
const MAX_PARAM_LENGTH = 100;

const sendError = (reply: FastifyReply, status: number, error: string) =>
  reply.code(status).send({ error, statusCode: status });

/** The aggregator's HTTP API: ingest, queries under /api/v1, /healthz, /metrics and the OpenAPI document. */
export async function buildApi(
  deps: ApiDeps,
  log: Logger,
  /** Makes the listener's server: TLS, connection cap, timeouts (listeners.ts). */
  serverFactory?: FastifyServerFactory,
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(serverFactory ? { serverFactory } : {}),
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    maxParamLength: MAX_PARAM_LENGTH,
    // fastify's ajv drops properties a schema does not list; an unknown (or misspelt) query
    // parameter would then filter nothing and answer as if it were not there. Keep them, so
    // `additionalProperties: false` rejects them. All errors, so an unknown parameter (often a
    // misspelt required one) is reported before what its absence causes.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    // Errors raised before routing (bad percent-encoding, an over-long path parameter) answer in
    // the same JSON shape as every other error.
    frameworkErrors: (err, req, reply) =>
      sendError(reply, err.statusCode ?? 400, frameworkMessage(err, req.url)),
    clientErrorHandler: clientError,
  });
  // Each request's store queries are abandoned when its client goes away (request-context.ts).
  installRequestContext(app);
  // Host check and bearer token before anything else, the body included (auth/hook.ts).
  registerAuth(app, deps);
  app.addHook("onRoute", (route) => {
    if (!route.schema?.querystring) route.schema = { ...route.schema, querystring: NO_QUERY_PARAMETERS };
  });
  // Every handler reads only the rows its principal may see (row-scope.ts).
  app.addHook("preHandler", enterRowScope);
  // Reads wait for a slot of their token and of the whole API, or are told to retry (limits.ts).
  installQueryGate(app, deps.limits.queries, deps.metrics);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, {
    openapi: {
      info: { title: "fleetscope aggregator", version: deps.version },
      tags: [
        { name: "query" },
        { name: "cadvisor" },
        { name: "ingest" },
        { name: "ops" },
        { name: "admin" },
        { name: "loki" },
      ],
      // Every route but /healthz needs a bearer token (auth/hook.ts). IncidentWebhook is no route's:
      // it is the body the aggregator POSTs to --webhook-url, published so receivers can check it.
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
        schemas: { IncidentWebhook },
      },
      security: [{ bearer: [] }],
    },
  });
  // The one place errors become HTTP: every error is JSON with a message a person can act on;
  // server faults are logged in full.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = statusOf(err);
    // A query stopped at its limits is the caller's to narrow, not a fault of ours.
    const fault = status >= 500 && !(err instanceof QueryStopped);
    if (fault) req.log.error({ err }, "request failed");
    const message = err.validation ? validationMessage(err, req) : err.message;
    sendError(reply, status, fault ? `internal error: ${message}` : message);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, `no route ${req.method} ${req.url}; see /api/v1/openapi.json`),
  );
  for (const route of ROUTES) await app.register(route, deps);
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/**
 * The status of an error: the query layer's domain errors by their kind, fastify's (validation,
 * body too large …) and the routes' HttpErrors by the status they carry, anything else a fault.
 */
function statusOf(err: FastifyError): number {
  if (err instanceof NotFound) return 404;
  if (err instanceof InvalidArgument) return 400;
  if (err instanceof QueryStopped) return QUERY_STOPPED_STATUS[err.reason];
  return err.statusCode ?? 500;
}

// 499 is nginx's "client closed request": nobody reads it, and it is not logged as a fault.
const QUERY_STOPPED_STATUS = { timeout: 504, memory: 503, cancelled: 499 } as const;

const PART_NAMES: Record<string, string> = {
  querystring: "query parameter",
  params: "path parameter",
  headers: "header",
  body: "body field",
};

type AjvError = NonNullable<FastifyError["validation"]>[number];

/** Names the parameter, says what it must be and, for an unknown one, which the route accepts. */
function validationMessage(err: FastifyError, req: FastifyRequest): string {
  const errors = err.validation ?? [];
  const first = errors.find((e) => e.keyword === "additionalProperties") ?? errors[0];
  if (!first) return err.message;
  const context = err.validationContext ?? "request";
  if (first.keyword === "additionalProperties") {
    const name = String(first.params.additionalProperty);
    if (context !== "querystring") return `unknown ${context} field "${name}"`;
    const schema = req.routeOptions.schema?.querystring as
      | { properties?: Record<string, unknown> }
      | undefined;
    const accepted = Object.keys(schema?.properties ?? {});
    return accepted.length === 0
      ? `unknown query parameter "${name}": ${req.routeOptions.url} takes no query parameters`
      : `unknown query parameter "${name}"; ${req.routeOptions.url} accepts: ${accepted.join(", ")}`;
  }
  const name = first.instancePath.replace(/^\//, "") || String(first.params.missingProperty ?? "");
  if (context === "body" && name === "")
    return `the body must be a JSON object (content-type: application/json)`;
  const what = PART_NAMES[context] ?? context;
  if (context === "querystring" && Array.isArray((req.query as Record<string, unknown>)[name]))
    return `${what} ${name} is given more than once; give it once`;
  return `${what} ${name} ${ajvRequirement(first)}`;
}

function ajvRequirement(e: AjvError): string {
  switch (e.keyword) {
    case "enum":
      return `must be one of: ${(e.params.allowedValues as unknown[]).join(", ")}`;
    case "const":
      return `must be ${String(e.params.allowedValue)}`;
    case "required":
      return "is required";
    case "pattern":
      // A log set or host name of a token's scope: say what one looks like, not the regex.
      return e.params.pattern === NAME_PATTERN
        ? "must be a name: a letter or digit, then letters, digits, . _ : - (up to 128 characters)"
        : (e.message ?? "is not valid");
    case "type":
      return `must be ${e.params.type === "integer" ? "an integer" : `a ${String(e.params.type)}`}`;
    default:
      return e.message ?? "is not valid";
  }
}

function frameworkMessage(err: FastifyError, url: string): string {
  const shown = url.length > 200 ? `${url.slice(0, 200)}…` : url;
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH")
    return `a path parameter of ${shown} is too long: the limit is ${MAX_PARAM_LENGTH} characters (a container id is 64)`;
  if (err.code === "FST_ERR_BAD_URL") return `malformed URL ${shown}: check its percent-encoding (%XX)`;
  return err.message;
}

/** Errors Node's HTTP parser raises before fastify sees a request, answered in our JSON shape. */
function clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, reason, error] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [
          431,
          "Request Header Fields Too Large",
          `the URL and headers exceed ${MAX_HEADER_KIB} KiB; shorten the URL`,
        ]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "the request was not received in time"]
        : [400, "Bad Request", `malformed HTTP request (${err.code ?? err.message})`];
  const body = JSON.stringify({ error, statusCode: status });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}
