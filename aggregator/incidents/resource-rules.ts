// Resource incidents from the samples: a container held near its memory limit, or throttled by
// its CPU quota, for several samples in a row. Ids come from the first sample of the streak.
import { type IncidentDraft, idOf, ms, plural } from "./rules.ts";

export interface SampleFact {
  time: string;
  host: string;
  containerId: string;
  containerName: string;
  image: string;
  memoryWorkingSetBytes: number;
  memoryLimitBytes: number;
  cpuPeriods: number;
  cpuThrottledPeriods: number;
  /** The cgroup's OOM-kill counter (0 when the kernel does not report it). */
  oomKills?: number;
}

export interface ResourceSettings {
  /** Working set / limit at or above this is pressure … */
  memoryPressureRatio: number;
  /** Throttled / elapsed CFS periods at or above this between two samples is throttling … */
  throttleRatio: number;
  /** … for this many samples (intervals) in a row. */
  resourceMinSamples: number;
  /** Samples further apart than this break a streak. */
  resourceMaxGapMs: number;
}

const mib = (b: number) => `${Math.round(b / 1024 / 1024)} MiB`;

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

/** `samples` oldest first, any containers mixed. */
export function resourceIncidents(samples: SampleFact[], now: number, s: ResourceSettings): IncidentDraft[] {
  const byContainer = new Map<string, SampleFact[]>();
  for (const x of samples) {
    const key = `${x.host}\u0000${x.containerId}`;
    byContainer.set(key, [...(byContainer.get(key) ?? []), x]);
  }
  const out: IncidentDraft[] = [];
  const draft = (
    kind: "memory-pressure" | "cpu-throttled",
    run: SampleFact[],
    summary: string,
    evidence: unknown,
  ) => {
    const first = run[0] as SampleFact;
    const last = run.at(-1) as SampleFact;
    const open = now - ms(last.time) <= s.resourceMaxGapMs;
    out.push({
      id: idOf(kind, first.host, first.containerId, first.time),
      kind,
      time: first.time,
      ended: open ? null : last.time,
      status: open ? "open" : "resolved",
      host: first.host,
      containerId: first.containerId,
      containerName: last.containerName,
      image: last.image,
      unit: "",
      count: run.length,
      summary,
      evidence,
    });
  };
  for (const list of byContainer.values()) {
    const pressured = (x: SampleFact) =>
      x.memoryLimitBytes > 0 && x.memoryWorkingSetBytes >= s.memoryPressureRatio * x.memoryLimitBytes;
    for (const run of streaks(list, pressured, s.resourceMaxGapMs)) {
      if (run.length < s.resourceMinSamples) continue;
      const peak = Math.max(...run.map((x) => x.memoryWorkingSetBytes));
      const limit = (run.at(-1) as SampleFact).memoryLimitBytes;
      draft(
        "memory-pressure",
        run,
        `${(run.at(-1) as SampleFact).containerName} held at ${Math.round((100 * peak) / limit)} % of its ${mib(limit)} memory limit for ${plural(run.length, "sample")}`,
        { peakWorkingSetBytes: peak, limitBytes: limit, samples: run.length },
      );
    }
    const throttled = (x: SampleFact, prev: SampleFact | undefined) => {
      if (!prev) return false;
      const periods = x.cpuPeriods - prev.cpuPeriods;
      return periods > 0 && (x.cpuThrottledPeriods - prev.cpuThrottledPeriods) / periods >= s.throttleRatio;
    };
    for (const run of streaks(list, throttled, s.resourceMaxGapMs)) {
      if (run.length < s.resourceMinSamples) continue;
      draft(
        "cpu-throttled",
        run,
        `${(run.at(-1) as SampleFact).containerName} throttled by its CPU quota in ≥ ${Math.round(100 * s.throttleRatio)} % of periods for ${plural(run.length, "sample")}`,
        { samples: run.length },
      );
    }
  }
  return out;
}
