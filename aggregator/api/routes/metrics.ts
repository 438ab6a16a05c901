import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import type { ApiDeps, TextMetricsSource } from "../deps.ts";

export async function metricsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get(
    "/metrics",
    { schema: { summary: "Prometheus exposition of fleetscope's self-metrics", tags: ["ops"] } },
    async (_req, reply) => {
      // Merged per scrape: registries may be added after start (the in-process collector of `up`).
      const registries = deps.extraRegistries.filter((r): r is Registry => r instanceof Registry);
      const texts = deps.extraRegistries.filter((r): r is TextMetricsSource => !(r instanceof Registry));
      const merged = Registry.merge([deps.metrics.registry, ...registries]);
      reply.type(merged.contentType);
      const parts = await Promise.all([merged.metrics(), ...texts.map((render) => render())]);
      return parts.join("");
    },
  );
}
