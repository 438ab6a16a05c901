import type { FastifyInstance } from "fastify";
import { queryHosts } from "../../query/hosts.ts";
import type { ApiDeps } from "../deps.ts";

export async function hostsRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get(
    "/api/v1/hosts",
    { schema: { summary: "Every host that has reported, with its latest heartbeat", tags: ["query"] } },
    async () => {
      const hosts = await queryHosts(store);
      return { count: hosts.length, hosts };
    },
  );
}
