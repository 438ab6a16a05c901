// The wording `fleetscope why` and the TUI's why view share (restarts, the memory figures, the
// host's other events), so both say the same thing about a death.
import type { WhyHostEvent, WhyMemory } from "../protocol/api/why.ts";
import { counted, humanDuration, nanosToMs, rfc3339ToNanos } from "../protocol/time.ts";
import { clock } from "./format.ts";

/** The fields of another container's event a phrase needs; `count` when repeats were collapsed. */
type HostEvent = Pick<WhyHostEvent, "time" | "action" | "containerName" | "exitCode"> &
  Partial<Pick<WhyHostEvent, "count" | "attributes">>;

/** "3 starts in the last hour, 2 by the daemon". */
export function restartsText(r: { startsInLastHour: number; byDaemonInLastHour?: number }): string {
  const byDaemon = r.byDaemonInLastHour !== undefined ? `, ${r.byDaemonInLastHour} by the daemon` : "";
  return `${counted(r.startsInLastHour, "start")} in the last hour${byDaemon}`;
}

/**
 * The memory figures beyond the sampled peak, each line for a person: the cgroup's high-water
 * mark, the kernel's figure at the kill, and why the samples read lower (`size` formats bytes).
 */
export function memoryDetail(m: WhyMemory | undefined, size: (b: number) => string): string[] {
  if (!m) return [];
  const figures = [
    m.maxUsageBytes !== null ? `cgroup max usage ${size(m.maxUsageBytes)}` : "",
    m.killedAtBytes !== null
      ? `at the kill ${size(m.killedAtBytes)}${m.limitBytes ? ` of ${size(m.limitBytes)}` : ""} (the kernel's figure)`
      : "",
  ].filter(Boolean);
  return [...(figures.length > 0 ? [figures.join(";  ")] : []), ...(m.note ? [m.note] : [])];
}

/** The heading over the host's other events (the answer holds 5 min before the death and 5 s after). */
export const hostEventsHeading = (host: string) =>
  `other events on ${host} around it (5 min before, 5 s after; newest first):`;

/** A neighbour's event: its time, how long before (−) or after (+) the death, what, whose, how often. */
export function hostEventText(ev: HostEvent, deathTime: string): string {
  const t = rfc3339ToNanos(ev.time);
  const d = rfc3339ToNanos(deathTime);
  const offset = t !== undefined && d !== undefined ? nanosToMs(t - d) : undefined;
  const rel = offset === undefined ? "" : `${offset > 0 ? "+" : ""}${humanDuration(offset)}`;
  // health_status: the status it changed to (the collector keeps it as an attribute of that name).
  const status = ev.action === "health_status" ? ev.attributes?.health_status : undefined;
  const what = `${ev.action}${status ? `: ${status}` : ""}${(ev.count ?? 1) > 1 ? ` ×${ev.count}` : ""}`;
  const exit = ev.exitCode !== null ? ` (exit ${ev.exitCode})` : "";
  return `${clock(ev.time, true)} ${rel.padStart(9)}  ${what.padEnd(22)} ${ev.containerName}${exit}`;
}

/** "12 exec events (health checks, docker exec) left out; <how> shows them", or nothing. */
export function hiddenExecsText(n: number | undefined, how: string): string {
  return n ? `${counted(n, "exec event")} (health checks, docker exec) left out; ${how} shows them` : "";
}
