import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { answers } from "../../../protocol/api/ops.ts";
import { TopAnswer, TopQuery } from "../../../protocol/api/top.ts";
import { topContainers } from "../../query/top.ts";
import type { ApiDeps } from "../deps.ts";

export async function topRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/top/containers",
    {
      schema: {
        summary:
          "Containers ranked by CPU (mean cores), memory (peak working set), network or block I/O (bytes/s) over a window",
        tags: ["query"],
        querystring: TopQuery,
        response: answers(TopAnswer),
      },
    },
    async (req) => {
      const containers = await topContainers(store, req.query);
      return { by: req.query.by, count: containers.length, containers };
    },
  );
}
