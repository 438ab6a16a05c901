// A container that exited with a failing code on its own: nobody stopped it and it was not an OOM
// kill (that is the oom rule's). An exit that is one of a crash loop's deaths is written as
// merged into it; it may have been written on its own before the loop was seen.
import { aboutContainer, defineRule, type IncidentDraft } from "../rule.ts";
import { loopOf } from "./crash-loop.ts";
import { oomOf, unexplainedDies } from "./deaths.ts";

export const exitRule = defineRule({
  kind: "exit",
  // The crash loops found in the same run, registered before this rule.
  needs: ["events", "incidents"],
  settings: {},
  evaluate: ({ events, incidents }) =>
    unexplainedDies(events)
      .filter((d) => d.exitCode !== 0 && d.exitCode !== null && !oomOf(d, events))
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
