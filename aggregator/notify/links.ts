// Links from a notification back to the aggregator: the incident, and for a death the `why`
// answer (what killed it, its last lines, the memory figures).
import { incidentSubject } from "../../protocol/incident-kinds.ts";
import type { LoggedDraft } from "../incidents/detector.ts";

export function incidentLink(externalUrl: string, d: LoggedDraft): string {
  return `${externalUrl}/api/v1/incidents/${encodeURIComponent(d.id)}`;
}

/** `why` for the incident's container at its end (its latest death while it is open); null unless a death's. */
export function whyLink(externalUrl: string, d: LoggedDraft): string | null {
  if (incidentSubject(d.kind) !== "death" || d.containerId === "") return null;
  const q = new URLSearchParams({ container: d.containerId, host: d.host });
  if (d.ended) q.set("at", d.ended);
  return `${externalUrl}/api/v1/why?${q}`;
}
