import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import type { ApiDeps } from "../deps.ts";

export async function metricsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get(
    "/metrics",
    { schema: { summary: "Prometheus exposition of fleetscope's self-metrics", tags: ["ops"] } },
    async (_req, reply) => {
      // Merged per scrape: registries may be added after start (the in-process collector of `up`).
      const merged = Registry.merge([deps.metrics.registry, ...deps.extraRegistries]);
      reply.type(merged.contentType);
      return merged.metrics();
    },
  );
}
