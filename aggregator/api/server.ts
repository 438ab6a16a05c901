import swagger from "@fastify/swagger";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import type { ApiDeps } from "./deps.ts";
import { cadvisorRoutes } from "./routes/cadvisor.ts";
import { containersRoutes } from "./routes/containers.ts";
import { eventsRoutes } from "./routes/events.ts";
import { fleetMetricsRoutes } from "./routes/fleet-metrics.ts";
import { healthRoutes } from "./routes/health.ts";
import { hostsRoutes } from "./routes/hosts.ts";
import { incidentsRoutes } from "./routes/incidents.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { logsRoutes } from "./routes/logs.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { overviewRoutes } from "./routes/overview.ts";
import { processesRoutes } from "./routes/processes.ts";
import { topRoutes } from "./routes/top.ts";
import { whyRoutes } from "./routes/why.ts";

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
];

/** The aggregator's HTTP API: ingest, queries under /api/v1, /healthz, /metrics and the OpenAPI document. */
export async function buildApi(deps: ApiDeps, log: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: "fleetscope aggregator", version: deps.version },
      tags: [{ name: "query" }, { name: "cadvisor" }, { name: "ingest" }, { name: "ops" }],
    },
  });
  // Every error is JSON with a message a person can act on; server faults are logged in full.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, "request failed");
    reply
      .code(status)
      .send({ error: status >= 500 ? `internal error: ${err.message}` : err.message, statusCode: status });
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .send({ error: `no route ${req.method} ${req.url}; see /api/v1/openapi.json`, statusCode: 404 });
  });
  for (const route of ROUTES) await app.register(route, deps);
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
