import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { answers } from "../../../protocol/api/ops.ts";
import {
  ContainerProcessesAnswer,
  ContainerProcessesQuery,
  TopProcessesAnswer,
  TopProcessesQuery,
} from "../../../protocol/api/processes.ts";
import { assertKnownContainer } from "../../query/containers.ts";
import { NotFound } from "../../query/errors.ts";
import { queryContainerProcesses, queryTopProcesses } from "../../query/processes.ts";
import type { ApiDeps } from "../deps.ts";

const Params = Type.Object({
  container: Type.String({ minLength: 1, description: "name, id or id prefix (12+)" }),
});

export async function processesRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/containers/:container/processes",
    {
      schema: {
        summary:
          "A container's processes at a time: its latest snapshot at or before `at` (kept after the container is removed)",
        tags: ["query"],
        params: Params,
        querystring: ContainerProcessesQuery,
        response: answers(ContainerProcessesAnswer),
      },
    },
    async (req) => {
      await assertKnownContainer(store, req.params.container, req.query.host);
      const { at, processes } = await queryContainerProcesses(store, {
        ...req.query,
        container: req.params.container,
      });
      if (processes.length === 0)
        throw new NotFound(
          `no process snapshot of a container named or with id "${req.params.container}" at or before ${at}`,
        );
      return { at, count: processes.length, processes };
    },
  );

  app.get(
    "/api/v1/processes/top",
    {
      schema: {
        summary:
          'Top processes over a window, with the container each belongs to ("" for host processes): average CPU % of one core, or peak RSS',
        tags: ["query"],
        querystring: TopProcessesQuery,
        response: answers(TopProcessesAnswer),
      },
    },
    async (req) => {
      const processes = await queryTopProcesses(store, req.query);
      return { count: processes.length, by: req.query.by, processes };
    },
  );
}
