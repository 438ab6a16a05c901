import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { Query } from "../../../protocol/api/params.ts";
import { EXPOSITION_CONTENT_TYPE, renderCadvisorMetrics } from "../../../protocol/cadvisor/exposition.ts";
import { fleetSnapshots } from "../../query/fleet-metrics.ts";
import type { ApiDeps } from "../deps.ts";

const FleetQuery = Query({
  window: Type.Integer({
    minimum: 5,
    maximum: 3600,
    default: 60,
    description: "seconds: a container with no sample this recent is left out (stopped or gone)",
  }),
  container_labels: Type.Optional(
    Type.String({ description: "comma list of container label keys to expose" }),
  ),
});

/**
 * One scrape target for the whole fleet: every host's containers in cAdvisor's metric names,
 * from the latest stored samples, each series with a `host` label (docs/metrics.md).
 */
export async function fleetMetricsRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/metrics/fleet",
    {
      schema: {
        summary:
          "cAdvisor-compatible container metrics of every host, from the store (one Prometheus target for the fleet)",
        tags: ["ops"],
        querystring: FleetQuery,
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
