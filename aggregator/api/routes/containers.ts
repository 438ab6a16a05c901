import type { FastifyInstance } from "fastify";
import { assertKnownContainer, queryContainers } from "../../query/containers.ts";
import { querySamples } from "../../query/samples.ts";
import type { ApiDeps } from "../deps.ts";
import { HttpError } from "../http-error.ts";
import { limitParam, timeParams } from "../schemas.ts";

export async function containersRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: { host?: string; state?: string; limit: number } }>(
    "/api/v1/containers",
    {
      schema: {
        summary: "Container inventory, including removed containers, most recently seen first",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            host: { type: "string" },
            state: {
              type: "string",
              // Docker's states, and the collector's own for a container gone with `docker rm`.
              enum: ["created", "running", "paused", "restarting", "removing", "exited", "dead", "removed"],
            },
            limit: limitParam(500, 10_000),
          },
        },
      },
    },
    async (req) => {
      const containers = await queryContainers(store, req.query);
      return { count: containers.length, containers };
    },
  );

  app.get<{ Params: { container: string }; Querystring: { host?: string } }>(
    "/api/v1/containers/:container",
    {
      schema: {
        summary: "One container's latest known state, by name, id or id prefix",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { host: { type: "string" } },
        },
      },
    },
    async (req) => {
      const found = await queryContainers(store, {
        ...req.query,
        container: req.params.container,
        limit: 50,
      });
      if (found.length === 0) {
        await assertKnownContainer(store, req.params.container, req.query.host);
        // Known from lines a log driver sent, never from the Docker inventory of a collector.
        throw new HttpError(
          404,
          `container "${req.params.container}" has log lines but no inventory: no collector saw it in Docker`,
        );
      }
      return { count: found.length, containers: found };
    },
  );

  app.get<{
    Params: { container: string };
    Querystring: { host?: string; since?: string; until?: string; limit: number };
  }>(
    "/api/v1/containers/:container/samples",
    {
      schema: {
        summary: "A container's resource samples in a window, oldest first",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { host: { type: "string" }, ...timeParams("1h"), limit: limitParam(1000, 100_000) },
        },
      },
    },
    async (req) => {
      const samples = await querySamples(store, { ...req.query, container: req.params.container });
      return { count: samples.length, samples };
    },
  );
}
