// Summaries for live views (`fleetscope top`): one call per refresh however large the fleet.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { HostOverviewAnswer, HostOverviewQuery } from "../../../protocol/api/hosts.ts";
import { answers } from "../../../protocol/api/ops.ts";
import { ContainerOverviewAnswer, ContainerOverviewQuery } from "../../../protocol/api/overview.ts";
import { containerOverview } from "../../query/container-overview.ts";
import { hostOverview } from "../../query/host-overview.ts";
import type { ApiDeps } from "../deps.ts";

export async function overviewRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/overview/containers",
    {
      schema: {
        summary:
          "Every container seen recently (running and recently dead) with CPU and memory against its limits, network and block I/O rates, PIDs, restarts in the last hour, start time, and a CPU/memory history for sparklines",
        tags: ["query"],
        querystring: ContainerOverviewQuery,
        response: answers(ContainerOverviewAnswer),
      },
    },
    async (req) => {
      const containers = await containerOverview(store, req.query);
      return { count: containers.length, containers };
    },
  );

  app.get(
    "/api/v1/overview/hosts",
    {
      schema: {
        summary:
          "Every host with its latest heartbeat plus containers running/total (last hour), incidents open and the collector's lag (seconds since its last heartbeat)",
        tags: ["query"],
        querystring: HostOverviewQuery,
        response: answers(HostOverviewAnswer),
      },
    },
    async (req) => {
      const hosts = await hostOverview(store, req.query);
      return { count: hosts.length, hosts };
    },
  );
}
