// The same image failing on several hosts at once: one fleet-level incident linking the per-host
// ones (a container's death: oom, exit, crash-loop), so a bad image or a bad config rollout reads
// as one thing.
import { incidentSubject } from "../../../protocol/incident-kinds.ts";
import { clusters, defineRule, type IncidentDraft, idOf, ms, plural } from "../rule.ts";

const settings = {
  fleetWindowMs: {
    default: 10 * 60_000,
    unit: "ms",
    description:
      "failures of one image on different hosts closer together than this are one fleet incident …",
    flag: "fleet-window",
  },
  fleetMinHosts: {
    default: 2,
    unit: "count",
    description: "… once they span this many hosts",
    flag: "fleet-min-hosts",
  },
} as const;

export const fleetRule = defineRule({
  kind: "fleet",
  // The deaths the rules registered before this one found in the same run.
  perContainer: false,
  needs: ["incidents"],
  settings,
  evaluate: ({ incidents }, s, now) => fleetIncidents(incidents, now, s),
});

export function fleetIncidents(
  drafts: IncidentDraft[],
  now: number,
  s: Record<keyof typeof settings, number>,
): IncidentDraft[] {
  const failures = drafts
    .filter((d) => d.image !== "" && d.status !== "merged" && incidentSubject(d.kind) === "death")
    .sort((a, b) => ms(a.time) - ms(b.time));
  return clusters(failures, (f) => f.image, s.fleetWindowMs).flatMap((cluster) => {
    const hosts = [...new Set(cluster.map((f) => f.host))].sort();
    if (hosts.length < s.fleetMinHosts) return [];
    const first = cluster[0] as IncidentDraft;
    const last = cluster.at(-1) as IncidentDraft;
    const open = now - ms(last.time) <= s.fleetWindowMs;
    return [
      {
        id: idOf("fleet", first.image, first.time),
        kind: "fleet",
        time: first.time,
        ended: open ? null : new Date(ms(last.time) + s.fleetWindowMs).toISOString(),
        status: open ? "open" : "resolved",
        host: "",
        containerId: "",
        containerName: "",
        image: first.image,
        unit: "",
        count: hosts.length,
        summary: `${first.image} is failing on ${plural(hosts.length, "host")}: ${hosts.join(", ")}`,
        evidence: {
          hosts,
          incidents: cluster.map((f) => ({ id: f.id, kind: f.kind, host: f.host, time: f.time })),
        },
      } satisfies IncidentDraft,
    ];
  });
}
