// The kinds of incident the aggregator detects, as the API names them, with what a client needs
// to show one: a label, and what it is about (a client opens `why` for a container's death or
// errors, its logs for the rest). The aggregator has exactly one rule per kind
// (aggregator/incidents/registry.ts fails to type-check otherwise).

/** What an incident is about: what a person looks at next. */
export type IncidentSubject = "death" | "errors" | "resources" | "unit" | "fleet";

export const INCIDENT_KINDS = {
  oom: { label: "OOM kill", about: "death" },
  exit: { label: "unexpected exit", about: "death" },
  "crash-loop": { label: "crash loop", about: "death" },
  "unit-failed": { label: "systemd unit failed", about: "unit" },
  fleet: { label: "one image failing on several hosts", about: "fleet" },
  "error-burst": { label: "burst of error lines", about: "errors" },
  "memory-pressure": { label: "held near its memory limit", about: "resources" },
  "cpu-throttled": { label: "throttled by its CPU quota", about: "resources" },
} as const satisfies Record<string, { label: string; about: IncidentSubject }>;

export type IncidentKind = keyof typeof INCIDENT_KINDS;

/** Every kind, in the order above (the API's `kind` enum). */
export const INCIDENT_KIND_NAMES = Object.keys(INCIDENT_KINDS) as IncidentKind[];

/** merged: an exit that turned out to be part of a crash loop (its evidence's `mergedInto` names it). */
export const INCIDENT_STATUSES = ["open", "resolved", "merged"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** What an incident of `kind` is about; undefined for a kind this client does not know (a newer aggregator's). */
export const incidentSubject = (kind: string): IncidentSubject | undefined =>
  (INCIDENT_KINDS as Record<string, { about: IncidentSubject }>)[kind]?.about;
