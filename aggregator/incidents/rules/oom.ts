// One OOM incident per kill, fused from every signal that saw it:
//  - Docker's `oom` event (the container's cgroup hit its limit),
//  - the kernel's `oom-kill` event, read by the collector from the journal (which process died,
//    the cgroup's usage and limit at that moment),
//  - the die that followed, when the process was PID 1 (exit 137, OOMKilled),
//  - the cgroup's OOM-kill counter in the samples, and the last sample before the kill.
// Any one of them is enough; the incident is anchored on Docker's event when there is one (so its
// id does not change when the kernel's lines arrive a moment later), else on the kernel's.
import {
  containerKey,
  defineRule,
  type EventFact,
  type IncidentDraft,
  idOf,
  ms,
  type SampleFact,
} from "../rule.ts";

/**
 * A kernel-only (or counter-only) kill waits this long for Docker's event before it is reported,
 * and any kill as long for its die (dieOf's window) unless the die is there: the detector runs as
 * soon as a death is stored, and a kill reported before its die would say the container lives on.
 */
export const OOM_SETTLE_MS = 5_000;
/** Signals of one kill lie this close together. */
const SAME_KILL_MS = 3_000;

interface Kill {
  anchor: { time: string; host: string; containerId: string; containerName: string; image: string };
  docker?: EventFact;
  kernel: EventFact[];
  /** The samples between which the cgroup's OOM-kill counter went up. */
  counter?: CounterRise;
}

interface CounterRise extends SampleFact {
  from: string;
}

const sameContainer = (a: { host: string; containerId: string }, b: { host: string; containerId: string }) =>
  a.host === b.host && a.containerId === b.containerId;
const gap = (a: { time: string }, b: { time: string }) => Math.abs(ms(a.time) - ms(b.time));

export const oomRule = defineRule({
  kind: "oom",
  perContainer: true,
  needs: ["events", "samples"],
  settings: {},
  evaluate: ({ events, samples }, _settings, now) => oomIncidents(events, samples, now),
});

/** One incident per kill among `events` and `samples` (both oldest first). */
export function oomIncidents(events: EventFact[], samples: SampleFact[], now: number): IncidentDraft[] {
  const kills: Kill[] = events
    .filter((e) => e.action === "oom")
    .map((e) => ({ anchor: e, docker: e, kernel: [] }));
  for (const k of events.filter((e) => e.action === "oom-kill" && e.containerId !== "")) {
    const nearest = kills
      .filter((x) => x.docker && sameContainer(x.anchor, k) && gap(x.anchor, k) <= SAME_KILL_MS)
      .sort((a, b) => gap(a.anchor, k) - gap(b.anchor, k))[0];
    if (nearest) nearest.kernel.push(k);
    else kills.push({ anchor: k, kernel: [k] });
  }
  for (const rise of counterRises(samples)) {
    const kill = kills.find(
      (x) =>
        sameContainer(x.anchor, rise) &&
        ms(x.anchor.time) > ms(rise.from) - SAME_KILL_MS &&
        ms(x.anchor.time) <= ms(rise.time) + SAME_KILL_MS,
    );
    if (kill) kill.counter ??= rise;
    else kills.push({ anchor: rise, kernel: [], counter: rise });
  }
  return kills
    .filter((x) => (x.docker && dieOf(x.anchor, events)) || now - ms(x.anchor.time) >= OOM_SETTLE_MS)
    .map((x) => toIncident(x, events, samples));
}

/**
 * The death the kill caused, if its PID 1 was the one killed. Only a SIGKILL death is the OOM's:
 * a child killed while PID 1 lives may be followed by a clean exit moments later (captured:
 * test/fixtures/incidents, fx-child-oom exits 0 after 1 s).
 */
function dieOf(a: Kill["anchor"], events: EventFact[]): EventFact | undefined {
  return events.find(
    (e) =>
      e.action === "die" &&
      e.exitCode === 137 &&
      sameContainer(a, e) &&
      ms(e.time) - ms(a.time) >= -1_000 &&
      ms(e.time) - ms(a.time) <= OOM_SETTLE_MS,
  );
}

function toIncident(x: Kill, events: EventFact[], samples: SampleFact[]): IncidentDraft {
  const a = x.anchor;
  const die = dieOf(a, events);
  const before = samples.filter((s) => sameContainer(a, s) && ms(s.time) <= ms(a.time)).at(-1);
  const victims = x.kernel.map(victimOf);
  const name =
    a.containerName || x.kernel.find((k) => k.containerName)?.containerName || a.containerId.slice(0, 12);
  return {
    id: idOf("oom", a.host, a.containerId, a.time),
    kind: "oom",
    time: a.time,
    ended: die?.time ?? a.time,
    status: "resolved",
    host: a.host,
    containerId: a.containerId,
    containerName: name,
    image: a.image || x.kernel.find((k) => k.image)?.image || "",
    unit: "",
    count: Math.max(1, victims.length),
    summary: summaryOf(name, victims, die),
    evidence: {
      oom: x.docker ?? null,
      kernel: victims,
      die: die ?? null,
      lastSample: before
        ? {
            time: before.time,
            memoryWorkingSetBytes: before.memoryWorkingSetBytes,
            memoryLimitBytes: before.memoryLimitBytes,
            oomKills: before.oomKills ?? 0,
          }
        : null,
      signals: [
        x.docker && "docker-oom-event",
        x.kernel.length > 0 && "kernel-journal",
        die && "die",
        x.counter && "cgroup-counter",
      ].filter(Boolean),
    },
  };
}

type Victim = ReturnType<typeof victimOf>;

/** The kernel's account of one killed process. */
function victimOf(k: EventFact) {
  return {
    time: k.time,
    pid: Number(k.attributes?.pid ?? 0),
    process: k.attributes?.process ?? "",
    usageBytes: Number(k.attributes?.usageBytes ?? 0),
    limitBytes: Number(k.attributes?.limitBytes ?? 0),
    anonRssBytes: Number(k.attributes?.anonRssBytes ?? 0),
  };
}

/** "web was OOM-killed: tail (pid 25067) at 16.0 MiB of 16.0 MiB (exit 137)". */
function summaryOf(name: string, victims: Victim[], die: EventFact | undefined): string {
  const who = victims.length ? victims.map((v) => `${v.process} (pid ${v.pid})`).join(", ") : "";
  const at = victims[0]?.limitBytes
    ? ` at ${mib(victims[0].usageBytes)} of ${mib(victims[0].limitBytes)}`
    : "";
  const outcome = die ? ` (exit ${die.exitCode})` : "; the container lives on";
  return `${name} was OOM-killed${who ? `: ${who}` : die ? "" : " (a process in it)"}${at}${outcome}`;
}

/** Where a container's cgroup OOM-kill counter went up between two samples. */
function counterRises(samples: SampleFact[]): CounterRise[] {
  const out: CounterRise[] = [];
  const last = new Map<string, SampleFact>();
  for (const s of samples) {
    const key = containerKey(s);
    const prev = last.get(key);
    if (prev && (s.oomKills ?? 0) > (prev.oomKills ?? 0)) out.push({ ...s, from: prev.time });
    last.set(key, s);
  }
  return out;
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
