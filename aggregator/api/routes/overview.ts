// Summaries for live views (`fleetscope top`): one call per refresh however large the fleet.
import type { FastifyInstance } from "fastify";
import { type ContainerOverviewQuery, containerOverview } from "../../query/container-overview.ts";
import { type HostOverviewQuery, hostOverview } from "../../query/host-overview.ts";
import type { ApiDeps } from "../deps.ts";
import { limitParam } from "../schemas.ts";

const HOST = { type: "string", description: "host name as the collector reports it; default all" } as const;

export async function overviewRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: ContainerOverviewQuery }>(
    "/api/v1/overview/containers",
    {
      schema: {
        summary:
          "Every container seen recently (running and recently dead) with CPU and memory against its limits, network and block I/O rates, PIDs, restarts in the last hour, start time, and a CPU/memory history for sparklines",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            host: HOST,
            recent: {
              type: "string",
              default: "1h",
              description: "containers whose inventory snapshot is this recent",
            },
            window: {
              type: "string",
              default: "30s",
              description: "the rates are measured over this window",
            },
            history: { type: "string", default: "5m", description: "span of the sparkline history" },
            points: {
              type: "integer",
              minimum: 1,
              maximum: 120,
              default: 20,
              description: "buckets of the history",
            },
            limit: limitParam(500, 10_000),
          },
        },
      },
    },
    async (req) => {
      const containers = await containerOverview(store, req.query);
      return { count: containers.length, containers };
    },
  );

  app.get<{ Querystring: HostOverviewQuery }>(
    "/api/v1/overview/hosts",
    {
      schema: {
        summary:
          "Every host with its latest heartbeat plus containers running/total (last hour), incidents open and the collector's lag (seconds since its last heartbeat)",
        tags: ["query"],
        querystring: { type: "object", additionalProperties: false, properties: { host: HOST } },
      },
    },
    async (req) => {
      const hosts = await hostOverview(store, req.query);
      return { count: hosts.length, hosts };
    },
  );
}
