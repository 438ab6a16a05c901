// GET /api/v1/events.
import { type Static, Type } from "@sinclair/typebox";
import { EventRecord } from "../records.ts";
import { container, host, limit, Query, timeWindow } from "./params.ts";

export const EventsQuery = Query({
  host: host(),
  container: container(),
  action: Type.Optional(Type.String({ description: "one action or several, comma-separated: die,oom" })),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: "case-insensitive text in the container name, image, action or host",
    }),
  ),
  ...timeWindow("24h"),
  limit: limit(100, 10_000),
});
export type EventsQuery = Static<typeof EventsQuery>;

/** A stored Docker (or kernel OOM) event: the record as the collector sent it. */
export const EventRow = Type.Omit(EventRecord, ["kind"]);
export type EventRow = Static<typeof EventRow>;

export const EventsAnswer = Type.Object({ count: Type.Integer(), events: Type.Array(EventRow) });
export type EventsAnswer = Static<typeof EventsAnswer>;
