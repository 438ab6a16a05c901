import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { EventsAnswer, EventsQuery } from "../../../protocol/api/events.ts";
import { answers } from "../../../protocol/api/ops.ts";
import { assertKnownContainer } from "../../query/containers.ts";
import { checkActions, queryEvents } from "../../query/events.ts";
import type { ApiDeps } from "../deps.ts";

export async function eventsRoutes(fastify: FastifyInstance, { store }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/events",
    {
      schema: {
        summary:
          "Docker events (create, start, die, oom, kill, stop, restart, destroy, health_status …), newest first",
        tags: ["query"],
        querystring: EventsQuery,
        response: answers(EventsAnswer),
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
