import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import {
  IncidentParams,
  IncidentQuery,
  IncidentRow,
  IncidentsAnswer,
} from "../../../protocol/api/incidents.ts";
import { answers } from "../../../protocol/api/ops.ts";
import { assertKnownContainer } from "../../query/containers.ts";
import { queryIncident, queryIncidents } from "../../query/incidents.ts";
import type { ApiDeps } from "../deps.ts";

export async function incidentsRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/incidents",
    {
      schema: {
        summary:
          "Incidents detected from the stored evidence (oom, exit, crash-loop, unit-failed), newest first",
        tags: ["query"],
        querystring: IncidentQuery,
        response: answers(IncidentsAnswer),
      },
    },
    async (req) => {
      if (req.query.container) await assertKnownContainer(store, req.query.container, req.query.host);
      const incidents = await queryIncidents(store, req.query);
      return { count: incidents.length, incidents };
    },
  );

  app.get(
    "/api/v1/incidents/:id",
    {
      schema: {
        summary: "One incident with its evidence",
        tags: ["query"],
        params: IncidentParams,
        response: answers(IncidentRow),
      },
    },
    async (req) => queryIncident(store, req.params.id),
  );
}
