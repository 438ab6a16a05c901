// What the resource rules (memory-pressure, cpu-throttled) share: a condition held by a container
// for several samples in a row makes an incident, its id from the streak's first sample.
import {
  aboutContainer,
  containerKey,
  groupBy,
  type IncidentDraft,
  type IncidentRule,
  ms,
  type SampleFact,
} from "../rule.ts";

/** The settings of a streak, one table for both rules (the registry merges it once). */
export const STREAK_SETTINGS = {
  resourceMinSamples: {
    default: 3,
    unit: "count",
    description: "a resource condition must hold for this many samples in a row",
  },
  resourceMaxGapMs: {
    default: 30_000,
    unit: "ms",
    description: "samples further apart than this break a streak",
  },
} as const;
type StreakSettings = Record<keyof typeof STREAK_SETTINGS, number>;

/** Runs of consecutive samples (one container, oldest first) for which `hit` holds. */
function streaks(
  samples: SampleFact[],
  hit: (s: SampleFact, prev: SampleFact | undefined) => boolean,
  maxGapMs: number,
): SampleFact[][] {
  const out: SampleFact[][] = [];
  let run: SampleFact[] = [];
  let prev: SampleFact | undefined;
  for (const x of samples) {
    const gapOk = prev !== undefined && ms(x.time) - ms(prev.time) <= maxGapMs;
    const isHit = hit(x, gapOk ? prev : undefined);
    if (isHit && (run.length === 0 || gapOk)) run.push(x);
    else {
      if (run.length > 0) out.push(run);
      run = isHit ? [x] : []; // a gap broke the run, but this sample starts a new one
    }
    prev = x;
  }
  if (run.length > 0) out.push(run);
  return out;
}

/**
 * One incident per streak of at least resourceMinSamples samples of a container for which `hit`
 * holds (`prev`: the sample before, when it is close enough to compare); `describe` gives its
 * summary and evidence. `samples` oldest first, any containers mixed.
 */
export function streakIncidents(
  kind: IncidentRule["kind"],
  samples: SampleFact[],
  s: StreakSettings,
  now: number,
  hit: (x: SampleFact, prev: SampleFact | undefined) => boolean,
  describe: (run: SampleFact[], last: SampleFact) => { summary: string; evidence: unknown },
): IncidentDraft[] {
  return [...groupBy(samples, containerKey).values()].flatMap((list) =>
    streaks(list, hit, s.resourceMaxGapMs)
      .filter((run) => run.length >= s.resourceMinSamples)
      .map((run) => {
        const first = run[0] as SampleFact;
        const last = run.at(-1) as SampleFact;
        const open = now - ms(last.time) <= s.resourceMaxGapMs;
        return {
          ...aboutContainer(kind, first, last),
          ended: open ? null : last.time,
          status: open ? "open" : "resolved",
          count: run.length,
          ...describe(run, last),
        } satisfies IncidentDraft;
      }),
  );
}
