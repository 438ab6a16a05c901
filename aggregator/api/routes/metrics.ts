import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import type { ApiDeps, TextMetricsSource } from "../deps.ts";
import { isRestrictedReader } from "../row-scope.ts";

export async function metricsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get(
    "/metrics",
    {
      schema: {
        summary:
          "Prometheus exposition of fleetscope's self-metrics (a reader limited to log sets or hosts gets the aggregator's only)",
        tags: ["ops"],
      },
    },
    async (req, reply) => {
      // Merged per scrape: registries may be added after start (the in-process collector of `up`).
      // Those name the local host's containers, which a reader limited to log sets or hosts may not
      // see: it gets the aggregator's own counters only (/metrics/fleet is its scoped view).
      const extra = isRestrictedReader(req) ? [] : deps.extraRegistries;
      const registries = extra.filter((r): r is Registry => r instanceof Registry);
      const texts = extra.filter((r): r is TextMetricsSource => !(r instanceof Registry));
      const merged = Registry.merge([deps.metrics.registry, ...registries]);
      reply.type(merged.contentType);
      const parts = await Promise.all([merged.metrics(), ...texts.map((render) => render())]);
      return parts.join("");
    },
  );
}
