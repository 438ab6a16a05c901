import type { FastifyInstance } from "fastify";
import { assertKnownContainer } from "../../query/containers.ts";
import { checkActions, queryEvents } from "../../query/events.ts";
import type { ApiDeps } from "../deps.ts";
import { limitParam, timeParams } from "../schemas.ts";

interface EventsQuerystring {
  host?: string;
  container?: string;
  action?: string;
  q?: string;
  since?: string;
  until?: string;
  limit: number;
}

export async function eventsRoutes(app: FastifyInstance, { store }: ApiDeps): Promise<void> {
  app.get<{ Querystring: EventsQuerystring }>(
    "/api/v1/events",
    {
      schema: {
        summary:
          "Docker events (create, start, die, oom, kill, stop, restart, destroy, health_status …), newest first",
        tags: ["query"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            host: { type: "string" },
            container: { type: "string", description: "container name, id or id prefix (12+ characters)" },
            action: { type: "string", description: "one action or several, comma-separated: die,oom" },
            q: {
              type: "string",
              minLength: 1,
              maxLength: 200,
              description: "case-insensitive text in the container name, image, action or host",
            },
            ...timeParams("24h"),
            limit: limitParam(100, 10_000),
          },
        },
      },
    },
    async (req) => {
      const { action, ...rest } = req.query;
      const actions = action
        ?.split(",")
        .map((a) => a.trim())
        .filter(Boolean);
      if (actions) await checkActions(store, actions);
      if (rest.container) await assertKnownContainer(store, rest.container, rest.host);
      const events = await queryEvents(store, { ...rest, actions });
      return { count: events.length, events };
    },
  );
}
