// What the container-death rules (crash-loop, exit) agree on: which deaths are nobody's doing,
// and which were an OOM kill's (those are the oom rule's).
import { type EventFact, ms } from "../rule.ts";

/** b happened on a's container, from `beforeMs` before a to `afterMs` after it. */
export const near = (a: EventFact, b: EventFact, beforeMs: number, afterMs: number) =>
  a.host === b.host &&
  a.containerId === b.containerId &&
  ms(b.time) - ms(a.time) >= -beforeMs &&
  ms(b.time) - ms(a.time) <= afterMs;

/** A die that a person caused: Docker sent kill or stop around it (stop arrives just after die). */
function byPerson(die: EventFact, events: EventFact[]): boolean {
  return events.some((e) => (e.action === "kill" || e.action === "stop") && near(die, e, 30_000, 2_000));
}

/** The dies among `events` (oldest first) that no person caused. */
export const unexplainedDies = (events: EventFact[]) =>
  events.filter((e) => e.action === "die" && !byPerson(e, events));

/** The OOM event (Docker's or the kernel's) behind a die, if it was one. */
export const oomOf = (die: EventFact, events: EventFact[]) =>
  events.find((e) => (e.action === "oom" || e.action === "oom-kill") && near(die, e, 60_000, 1_000));
