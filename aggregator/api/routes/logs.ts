import type { FastifyInstance } from "fastify";
import { queryLogs } from "../../query/logs.ts";
import type { ApiDeps } from "../deps.ts";
import { limitParam, timeParams } from "../schemas.ts";

interface LogsQuerystring {
  host?: string;
  container?: string;
  stream?: string;
  unit?: string;
  priority?: number;
  since?: string;
  until?: string;
  q?: string;
  limit: number;
}

export async function logsRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: LogsQuerystring }>(
    "/api/v1/logs",
    {
      schema: {
        summary: "Log lines, newest first",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            host: { type: "string", description: "host name as the collector reports it" },
            container: { type: "string", description: "container name, id or id prefix (12+ characters)" },
            stream: { type: "string", enum: ["stdout", "stderr"] },
            unit: { type: "string", description: "systemd unit, e.g. docker.service" },
            priority: {
              type: "integer",
              minimum: 0,
              maximum: 7,
              description: "this syslog priority and more severe",
            },
            q: {
              type: "string",
              minLength: 1,
              maxLength: 1000,
              description: "case-insensitive text the line contains",
            },
            ...timeParams("1h"),
            limit: limitParam(100, 10_000),
          },
        },
      },
    },
    async (req) => {
      const logs = await queryLogs(store, req.query);
      return { count: logs.length, logs };
    },
  );
}
