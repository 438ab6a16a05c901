import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { answers } from "../../../protocol/api/ops.ts";
import { WhyAnswer, WhyQuery } from "../../../protocol/api/why.ts";
import { explainDeath } from "../../query/why.ts";
import type { ApiDeps } from "../deps.ts";

export async function whyRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/why",
    {
      schema: {
        summary:
          "Why did a container die: the die event (exit code, signal, OOM), its last log lines, memory/CPU around it against the limit, restarts, processes and the host's other events",
        tags: ["query"],
        querystring: WhyQuery,
        response: answers(WhyAnswer),
      },
    },
    async (req) => explainDeath(store, req.query),
  );
}
