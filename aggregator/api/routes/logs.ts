import type { FastifyInstance } from "fastify";
import { countLogs, type LogFilter, type LogQuery, queryLogs } from "../../query/logs.ts";
import type { ApiDeps } from "../deps.ts";
import { limitParam, timeParams } from "../schemas.ts";

const FILTER_PROPERTIES = {
  host: { type: "string", description: "host name as the collector reports it" },
  container: { type: "string", description: "container name, id or id prefix (12+ characters)" },
  stream: { type: "string", enum: ["stdout", "stderr"] },
  unit: { type: "string", description: "systemd unit, e.g. docker.service" },
  priority: { type: "integer", minimum: 0, maximum: 7, description: "this syslog priority and more severe" },
  identifier: { type: "string", description: "syslog identifier, as journalctl -t takes it" },
  q: {
    type: "string",
    minLength: 1,
    maxLength: 1000,
    description:
      'words the line contains, all of them (each case-insensitive, anywhere in it); "a quoted phrase" is one word',
  },
  regex: {
    type: "string",
    minLength: 1,
    maxLength: 500,
    description: "an RE2 regular expression the line matches (case-sensitive; (?i) for not)",
  },
  ...timeParams("1h"),
} as const;

export async function logsRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: LogQuery }>(
    "/api/v1/logs",
    {
      schema: {
        summary: "Log lines, newest first",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { ...FILTER_PROPERTIES, limit: limitParam(100, 10_000) },
        },
      },
    },
    async (req) => {
      const logs = await queryLogs(store, req.query);
      return { count: logs.length, logs };
    },
  );

  app.get<{ Querystring: LogFilter }>(
    "/api/v1/logs/count",
    {
      schema: {
        summary: "How many log lines match the same filters as /api/v1/logs",
        tags: ["query"],
        querystring: { type: "object", additionalProperties: false, properties: FILTER_PROPERTIES },
      },
    },
    async (req) => ({ count: await countLogs(store, req.query) }),
  );
}
