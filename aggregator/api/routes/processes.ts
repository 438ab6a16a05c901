import type { FastifyInstance } from "fastify";
import { assertKnownContainer } from "../../query/containers.ts";
import {
  type ContainerProcessesQuery,
  queryContainerProcesses,
  queryTopProcesses,
  type TopProcessesQuery,
} from "../../query/processes.ts";
import type { ApiDeps } from "../deps.ts";
import { HttpError } from "../http-error.ts";
import { limitParam, timeParams } from "../schemas.ts";

const HOST = { type: "string", description: "host name as the collector reports it" } as const;

export async function processesRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Params: { container: string }; Querystring: Omit<ContainerProcessesQuery, "container"> }>(
    "/api/v1/containers/:container/processes",
    {
      schema: {
        summary:
          "A container's processes at a time: its latest snapshot at or before `at` (kept after the container is removed)",
        tags: ["query"],
        params: {
          type: "object",
          properties: {
            container: { type: "string", minLength: 1, description: "name, id or id prefix (12+)" },
          },
        },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            host: HOST,
            at: { type: "string", description: "RFC 3339 or relative to now (15m, 2h); default now" },
          },
        },
      },
    },
    async (req) => {
      await assertKnownContainer(store, req.params.container, req.query.host);
      const { at, processes } = await queryContainerProcesses(store, {
        ...req.query,
        container: req.params.container,
      });
      if (processes.length === 0)
        throw new HttpError(
          404,
          `no process snapshot of a container named or with id "${req.params.container}" at or before ${at}`,
        );
      return { at, count: processes.length, processes };
    },
  );

  app.get<{ Querystring: TopProcessesQuery }>(
    "/api/v1/processes/top",
    {
      schema: {
        summary:
          'Top processes over a window, with the container each belongs to ("" for host processes): average CPU % of one core, or peak RSS',
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            host: HOST,
            ...timeParams("5m"),
            by: { type: "string", enum: ["cpu", "memory"], default: "cpu" },
            limit: limitParam(20, 1000),
          },
        },
      },
    },
    async (req) => {
      const processes = await queryTopProcesses(store, req.query);
      return { count: processes.length, by: req.query.by, processes };
    },
  );
}
