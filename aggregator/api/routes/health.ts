import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps.ts";

export async function healthRoutes(app: FastifyInstance, { store, version }: ApiDeps): Promise<void> {
  app.get(
    "/healthz",
    { schema: { summary: "Liveness and store reachability", tags: ["ops"] } },
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
