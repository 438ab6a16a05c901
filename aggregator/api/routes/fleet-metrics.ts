import type { FastifyInstance } from "fastify";
import { EXPOSITION_CONTENT_TYPE, renderCadvisorMetrics } from "../../../collector/metrics/cadvisor.ts";
import { fleetSnapshots } from "../../query/fleet-metrics.ts";
import type { ApiDeps } from "../deps.ts";

interface FleetQuery {
  window: number;
  container_labels?: string;
}

/**
 * One scrape target for the whole fleet: every host's containers in cAdvisor's metric names,
 * from the latest stored samples, each series with a `host` label (docs/metrics.md).
 */
export async function fleetMetricsRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: FleetQuery }>(
    "/metrics/fleet",
    {
      schema: {
        summary:
          "cAdvisor-compatible container metrics of every host, from the store (one Prometheus target for the fleet)",
        tags: ["ops"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            window: {
              type: "integer",
              minimum: 5,
              maximum: 3600,
              default: 60,
              description: "seconds: a container with no sample this recent is left out (stopped or gone)",
            },
            container_labels: { type: "string", description: "comma list of container label keys to expose" },
          },
        },
      },
    },
    async (req, reply) => {
      const { snapshots, machines } = await fleetSnapshots(store, req.query.window);
      const containerLabels = (req.query.container_labels ?? "")
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean);
      reply.type(EXPOSITION_CONTENT_TYPE);
      return renderCadvisorMetrics(snapshots, machines, { containerLabels });
    },
  );
}
