import type { FastifyInstance } from "fastify";
import { explainDeath, type WhyQuery } from "../../query/why.ts";
import type { ApiDeps } from "../deps.ts";

export async function whyRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: WhyQuery }>(
    "/api/v1/why",
    {
      schema: {
        summary:
          "Why did a container die: the die event (exit code, signal, OOM), its last log lines, memory/CPU around it against the limit, restarts, processes and the host's other events",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          required: ["container"],
          properties: {
            container: {
              type: "string",
              minLength: 1,
              description: "name, id or id prefix (12+); works after docker rm",
            },
            host: { type: "string" },
            at: {
              type: "string",
              description:
                "explain the last death at or before this time: RFC 3339 (up to 9 fractional digits, compared to the nanosecond) or relative (15m); default now",
            },
            lines: { type: "integer", minimum: 1, maximum: 1000, default: 50 },
            execs: {
              type: "boolean",
              default: false,
              description: "keep exec_* events (health checks, docker exec) among the host's other events",
            },
          },
        },
      },
    },
    async (req) => explainDeath(store, req.query),
  );
}
