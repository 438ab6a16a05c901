import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import {
  ContainerQuery,
  ContainersAnswer,
  ContainersQuery,
  SamplesAnswer,
  SamplesQuery,
} from "../../../protocol/api/containers.ts";
import { answers } from "../../../protocol/api/ops.ts";
import { ContainerParams } from "../../../protocol/api/params.ts";
import { assertKnownContainer, queryContainers } from "../../query/containers.ts";
import { NotFound } from "../../query/errors.ts";
import { querySamples } from "../../query/samples.ts";
import type { ApiDeps } from "../deps.ts";

export async function containersRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/containers",
    {
      schema: {
        summary: "Container inventory, including removed containers, most recently seen first",
        tags: ["query"],
        querystring: ContainersQuery,
        response: answers(ContainersAnswer),
      },
    },
    async (req) => {
      const containers = await queryContainers(store, req.query);
      return { count: containers.length, containers };
    },
  );

  app.get(
    "/api/v1/containers/:container",
    {
      schema: {
        summary: "One container's latest known state, by name, id or id prefix",
        tags: ["query"],
        params: ContainerParams,
        querystring: ContainerQuery,
        response: answers(ContainersAnswer),
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
        throw new NotFound(
          `container "${req.params.container}" has log lines but no inventory: no collector saw it in Docker`,
        );
      }
      return { count: found.length, containers: found };
    },
  );

  app.get(
    "/api/v1/containers/:container/samples",
    {
      schema: {
        summary: "A container's resource samples in a window, oldest first",
        tags: ["query"],
        params: ContainerParams,
        querystring: SamplesQuery,
        response: answers(SamplesAnswer),
      },
    },
    async (req) => {
      const samples = await querySamples(store, { ...req.query, container: req.params.container });
      return { count: samples.length, samples };
    },
  );
}
