// A container that exited with a failing code on its own: nobody stopped it and it was not an OOM
// kill (that is the oom rule's). An exit that is one of a crash loop's deaths is written as
// merged into it; it may have been written on its own before the loop was seen.
import { aboutContainer, defineRule, type EventFact, type IncidentDraft, ms } from "../rule.ts";
import { loopOf } from "./crash-loop.ts";
import { oomOf, unexplainedDies } from "./deaths.ts";
import { OOM_SETTLE_MS } from "./oom.ts";

/**
 * A SIGKILL death (137) may be the kernel's OOM kill whose report (Docker's oom event, the
 * journal's oom-kill line) is stored a moment after the die, in another batch: it is called a
 * plain exit only once that report has had the time to arrive, as the oom rule waits for Docker's
 * event. The detector runs as soon as a death is stored, so without the wait an OOM kill could be
 * written as an exit first, and stay.
 */
const settled = (d: EventFact, now: number) => d.exitCode !== 137 || now - ms(d.time) >= OOM_SETTLE_MS;

export const exitRule = defineRule({
  kind: "exit",
  perContainer: true,
  // The crash loops found in the same run, registered before this rule.
  needs: ["events", "incidents"],
  settings: {},
  evaluate: ({ events, incidents }, _settings, now) =>
    unexplainedDies(events)
      .filter((d) => d.exitCode !== 0 && d.exitCode !== null && settled(d, now) && !oomOf(d, events))
      .map((d) => {
        const loop = loopOf(incidents, d);
        return {
          ...aboutContainer("exit", d, d),
          ended: d.time,
          status: loop ? "merged" : "resolved",
          count: 1,
          summary: `${d.containerName} exited with code ${d.exitCode}, not stopped by anyone`,
          evidence: { die: d, mergedInto: loop },
        } satisfies IncidentDraft;
      }),
});
