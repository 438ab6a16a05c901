import type { FastifyInstance } from "fastify";
import { assertKnownContainer } from "../../query/containers.ts";
import { type IncidentQuery, queryIncident, queryIncidents } from "../../query/incidents.ts";
import type { ApiDeps } from "../deps.ts";
import { limitParam, timeParams } from "../schemas.ts";

export async function incidentsRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: IncidentQuery }>(
    "/api/v1/incidents",
    {
      schema: {
        summary:
          "Incidents detected from the stored evidence (oom, exit, crash-loop, unit-failed), newest first",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            host: { type: "string" },
            container: { type: "string", description: "container name, id or id prefix (12+ characters)" },
            kind: {
              type: "string",
              enum: [
                "oom",
                "exit",
                "crash-loop",
                "unit-failed",
                "fleet",
                "error-burst",
                "memory-pressure",
                "cpu-throttled",
              ],
            },
            status: {
              type: "string",
              enum: ["open", "resolved", "merged"],
              description: "default: open and resolved (merged = exits folded into a crash loop)",
            },
            ...timeParams("24h"),
            limit: limitParam(100, 10_000),
          },
        },
      },
    },
    async (req) => {
      if (req.query.container) await assertKnownContainer(store, req.query.container, req.query.host);
      const incidents = await queryIncidents(store, req.query);
      return { count: incidents.length, incidents };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/incidents/:id",
    { schema: { summary: "One incident with its evidence", tags: ["query"] } },
    async (req) => queryIncident(store, req.params.id),
  );
}
