// GET /api/v1/incidents and /api/v1/incidents/{id}.
import { type Static, Type } from "@sinclair/typebox";
import { INCIDENT_KIND_NAMES, INCIDENT_STATUSES } from "../incident-kinds.ts";
import { container, host, limit, Nullable, Query, StringEnum, timeWindow } from "./params.ts";

export const IncidentQuery = Query({
  host: host(),
  container: container(),
  kind: Type.Optional(StringEnum(INCIDENT_KIND_NAMES)),
  status: Type.Optional(
    StringEnum(INCIDENT_STATUSES, {
      description: "default: open and resolved (merged = exits folded into a crash loop)",
    }),
  ),
  ...timeWindow("24h"),
  limit: limit(100, 10_000),
});
export type IncidentQuery = Static<typeof IncidentQuery>;

export const IncidentParams = Type.Object({ id: Type.String() });

export const IncidentRow = Type.Object({
  id: Type.String(),
  kind: Type.String({
    description: "one of the kinds the `kind` parameter takes (a newer aggregator may add some)",
  }),
  status: StringEnum(INCIDENT_STATUSES),
  host: Type.String(),
  containerId: Type.String(),
  containerName: Type.String(),
  image: Type.String(),
  unit: Type.String(),
  count: Type.Integer(),
  summary: Type.String(),
  time: Type.String({ description: "when it began" }),
  updated: Type.String(),
  ended: Nullable(Type.String()),
  evidence: Type.Unknown({ description: "what the rule saw: its shape depends on the kind" }),
});
export type IncidentRow = Static<typeof IncidentRow>;

export const IncidentsAnswer = Type.Object({ count: Type.Integer(), incidents: Type.Array(IncidentRow) });
export type IncidentsAnswer = Static<typeof IncidentsAnswer>;
