// A container that keeps dying: a streak of deaths nobody caused, each within a window of the one
// before. Its exits are folded into it (exit.ts marks them merged).
import {
  aboutContainer,
  clusters,
  containerKey,
  defineRule,
  type EventFact,
  type IncidentDraft,
  ms,
  plural,
} from "../rule.ts";
import { unexplainedDies } from "./deaths.ts";

const ranFor = (d: EventFact) => (d.attributes?.ranForMs ? Number(d.attributes.ranForMs) : null);

/** The container's starts after `from` (its restarts, whoever made them), up to `now`. */
function startsAfter(events: EventFact[], from: EventFact, now: number): EventFact[] {
  return events.filter(
    (e) =>
      e.action === "start" &&
      e.host === from.host &&
      e.containerId === from.containerId &&
      ms(e.time) >= ms(from.time) &&
      ms(e.time) <= now,
  );
}

export const crashLoopRule = defineRule({
  kind: "crash-loop",
  perContainer: true,
  needs: ["events"],
  settings: {
    crashLoopWindowMs: {
      default: 5 * 60_000,
      unit: "ms",
      description: "deaths of one container closer together than this belong to one streak",
      flag: "crash-loop-window",
    },
    crashLoopMinDies: {
      default: 3,
      unit: "count",
      description: "this many deaths in a streak make a crash loop",
      flag: "crash-loop-min-dies",
    },
  },
  evaluate: ({ events }, s, now) =>
    clusters(unexplainedDies(events), containerKey, s.crashLoopWindowMs)
      .filter((streak) => streak.length >= s.crashLoopMinDies)
      .map((streak) => {
        const first = streak[0] as EventFact;
        const last = streak.at(-1) as EventFact;
        const open = now - ms(last.time) <= s.crashLoopWindowMs;
        const restarts = startsAfter(events, first, now);
        return {
          ...aboutContainer("crash-loop", first, last),
          ended: open ? null : new Date(ms(last.time) + s.crashLoopWindowMs).toISOString(),
          status: open ? "open" : "resolved",
          count: streak.length,
          // Deaths and restarts differ: n deaths have n - 1 restarts between them, and one more
          // once it is started again after the last.
          summary: `${last.containerName} keeps dying: ${plural(streak.length, "death")} since ${first.time}, ${plural(restarts.length, "restart")} (last exit code ${last.exitCode})`,
          evidence: {
            dies: streak.map((d) => ({ time: d.time, exitCode: d.exitCode, ranForMs: ranFor(d) })),
            restarts: restarts.length,
            // Starts the collector saw the daemon make (docker/lifecycle.ts), not a person.
            restartsByDaemon: restarts.filter((e) => e.attributes?.startedBy === "daemon").length,
            restartPolicy: last.attributes?.restartPolicy ?? "",
          },
        } satisfies IncidentDraft;
      }),
});

/** The id of the crash loop among `incidents` that `die` is one of the deaths of, or null. */
export function loopOf(incidents: IncidentDraft[], die: EventFact): string | null {
  const loop = incidents.find(
    (i) =>
      i.kind === "crash-loop" &&
      i.host === die.host &&
      i.containerId === die.containerId &&
      (i.evidence as { dies: { time: string }[] }).dies.some((d) => d.time === die.time),
  );
  return loop?.id ?? null;
}
