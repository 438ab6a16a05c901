import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Health, StoreUnreachable } from "../../../protocol/api/ops.ts";
import type { ApiDeps } from "../deps.ts";

export async function healthRoutes(fastify: FastifyInstance, { store, version }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/healthz",
    {
      schema: {
        summary: "Liveness and store reachability",
        tags: ["ops"],
        response: { 200: Health, 503: StoreUnreachable },
      },
    },
    async (_req, reply) => {
      try {
        await store.rows("SELECT 1");
        return { status: "ok", store: store.kind, version };
      } catch (err) {
        return reply.code(503).send({ status: "store unreachable", store: store.kind, error: String(err) });
      }
    },
  );
}
