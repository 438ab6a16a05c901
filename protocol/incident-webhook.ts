// The body of the aggregator's plain webhook (--webhook-url): one JSON POST per change of an
// incident, for people without Alertmanager. The incident is the API's own row shape.
import { type Static, Type } from "@sinclair/typebox";
import { IncidentRow } from "./api/incidents.ts";
import { Nullable, StringEnum } from "./api/params.ts";

/**
 * opened: first written (an OOM kill or an exit is over when it is found: a `resolved` follows at
 * once); changed: it was rewritten (more deaths, the kernel's details of a kill, an exit merged
 * into a crash loop); resolved: it ended (after an aggregator restart an end may be told twice).
 */
export const WEBHOOK_EVENTS = ["opened", "changed", "resolved"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const IncidentWebhook = Type.Object(
  {
    version: Type.Literal(1),
    event: StringEnum(WEBHOOK_EVENTS),
    sent: Type.String({ description: "when the aggregator first tried to send it, RFC 3339" }),
    logSet: Type.String({ description: "the log set of the rows the incident was found in" }),
    incident: IncidentRow,
    links: Type.Object({
      incident: Type.String({ description: "GET it from the API (a bearer token is needed)" }),
      why: Nullable(Type.String({ description: "why the container died, for a death's incident" })),
    }),
  },
  { $id: "IncidentWebhook" },
);
export type IncidentWebhook = Static<typeof IncidentWebhook>;
