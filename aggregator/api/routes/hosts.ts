import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { HostsAnswer, HostsQuery } from "../../../protocol/api/hosts.ts";
import { answers } from "../../../protocol/api/ops.ts";
import { queryHosts } from "../../query/hosts.ts";
import type { ApiDeps } from "../deps.ts";

export async function hostsRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/hosts",
    {
      schema: {
        summary:
          "Every host that has reported, with its latest heartbeat: cores, memory, swap, load, CPU busy, OS, uptime, filesystems, interfaces, labels",
        tags: ["query"],
        querystring: HostsQuery,
        response: answers(HostsAnswer),
      },
    },
    async (req) => {
      const hosts = await queryHosts(store, req.query);
      return { count: hosts.length, hosts };
    },
  );
}
