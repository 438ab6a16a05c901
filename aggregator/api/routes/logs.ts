import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { LogCountAnswer, LogFilter, LogQuery, LogsAnswer } from "../../../protocol/api/logs.ts";
import { answers } from "../../../protocol/api/ops.ts";
import { countLogs, queryLogs } from "../../query/logs.ts";
import type { ApiDeps } from "../deps.ts";

export async function logsRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/logs",
    {
      schema: {
        summary: "Log lines, newest first",
        tags: ["query"],
        querystring: LogQuery,
        response: answers(LogsAnswer),
      },
    },
    async (req) => {
      const logs = await queryLogs(store, req.query);
      return { count: logs.length, logs };
    },
  );

  app.get(
    "/api/v1/logs/count",
    {
      schema: {
        summary: "How many log lines match the same filters as /api/v1/logs",
        tags: ["query"],
        querystring: LogFilter,
        response: answers(LogCountAnswer),
      },
    },
    async (req) => ({ count: await countLogs(store, req.query) }),
  );
}
