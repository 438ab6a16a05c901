import type { FastifyInstance } from "fastify";
import { queryHosts } from "../../query/hosts.ts";
import type { ApiDeps } from "../deps.ts";

export async function hostsRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: { host?: string } }>(
    "/api/v1/hosts",
    {
      schema: {
        summary:
          "Every host that has reported, with its latest heartbeat: cores, memory, swap, load, CPU busy, OS, uptime, filesystems, interfaces, labels",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { host: { type: "string", description: "just this host" } },
        },
      },
    },
    async (req) => {
      const hosts = await queryHosts(store, req.query);
      return { count: hosts.length, hosts };
    },
  );
}
