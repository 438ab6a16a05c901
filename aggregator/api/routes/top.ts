import type { FastifyInstance } from "fastify";
import { TOP_BY, type TopQuery, topContainers } from "../../query/top.ts";
import type { ApiDeps } from "../deps.ts";
import { limitParam, timeParams } from "../schemas.ts";

export async function topRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: TopQuery }>(
    "/api/v1/top/containers",
    {
      schema: {
        summary:
          "Containers ranked by CPU (mean cores), memory (peak working set), network or block I/O (bytes/s) over a window",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            by: { type: "string", enum: TOP_BY, default: "cpu" },
            host: { type: "string", description: "host name as the collector reports it; default all" },
            ...timeParams("5m"),
            limit: limitParam(10, 1000),
          },
        },
      },
    },
    async (req) => {
      const containers = await topContainers(store, req.query);
      return { by: req.query.by, count: containers.length, containers };
    },
  );
}
