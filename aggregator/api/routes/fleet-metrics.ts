import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { Query } from "../../../protocol/api/params.ts";
import { EXPOSITION_CONTENT_TYPE, renderCadvisorMetrics } from "../../../protocol/cadvisor/exposition.ts";
import { InvalidArgument } from "../../query/errors.ts";
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
    Type.String({
      description: "comma list of container label keys to expose (each starting with a letter or digit)",
      maxLength: 4096,
    }),
  ),
});

/**
 * container_labels → its keys. A key starts with a letter or digit, as Docker recommends label keys
 * to: that also keeps out names such as __proto__, which are no label of any container.
 */
function labelKeys(list: string): string[] {
  const keys = list
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const bad = keys.find((k) => !/^[A-Za-z0-9]/.test(k));
  if (bad !== undefined)
    throw new InvalidArgument(
      `container_labels: ${JSON.stringify(bad.slice(0, 80))} is not a label key; keys start with a letter or digit, such as com.example.role`,
    );
  return keys;
}

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
      const containerLabels = labelKeys(req.query.container_labels ?? "");
      const { snapshots, machines } = await fleetSnapshots(store, req.query.window);
      reply.type(EXPOSITION_CONTENT_TYPE);
      return renderCadvisorMetrics(snapshots, machines, { containerLabels });
    },
  );
}
