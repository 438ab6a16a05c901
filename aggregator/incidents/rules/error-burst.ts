// Error bursts: a bucket with burstFactor × the container's own earlier error rate (averaged over
// every bucket since its first line in the window, silent ones included). Consecutive bursting
// buckets are one incident.
import {
  aboutContainer,
  containerKey,
  defineRule,
  type ErrorBucket,
  groupBy,
  type IncidentDraft,
  ms,
  plural,
} from "../rule.ts";

const settings = {
  bucketMs: {
    default: 10_000,
    unit: "ms",
    description: "error lines are counted per bucket of this length",
  },
  burstFactor: {
    default: 50,
    unit: "ratio",
    description: "a bucket bursts when it has this many times the container's earlier rate …",
    flag: "burst-factor",
  },
  burstMinErrors: {
    default: 20,
    unit: "count",
    description: "… and at least this many error lines",
    flag: "burst-min-errors",
  },
  burstMinHistory: {
    default: 3,
    unit: "count",
    description: "buckets of history a container needs before its rate means anything",
  },
} as const;
type BurstSettings = Record<keyof typeof settings, number>;

export const errorBurstRule = defineRule({
  kind: "error-burst",
  perContainer: true,
  needs: ["errorBuckets"],
  settings,
  evaluate: ({ errorBuckets }, s, now) =>
    [...groupBy(errorBuckets, containerKey).values()].flatMap((list) =>
      burstsOf(list, s).map((burst) => toIncident(burst, s, now)),
    ),
});

interface Burst {
  first: ErrorBucket;
  last: ErrorBucket;
  errors: number;
  /** The container's error lines per bucket before the burst. */
  baseline: number;
}

/** The bursts among one container's buckets. */
function burstsOf(buckets: ErrorBucket[], s: BurstSettings): Burst[] {
  const list = [...buckets].sort((a, b) => ms(a.time) - ms(b.time));
  const start = ms((list[0] as ErrorBucket).time);
  const out: Burst[] = [];
  let before = 0;
  let burst: Burst | undefined;
  for (const b of list) {
    const history = Math.round((ms(b.time) - start) / s.bucketMs);
    const baseline = history > 0 ? before / history : 0;
    const bursting =
      history >= s.burstMinHistory &&
      b.errors >= s.burstMinErrors &&
      b.errors >= s.burstFactor * Math.max(baseline, 1 / history);
    if (bursting && burst && ms(b.time) - ms(burst.last.time) <= s.bucketMs) {
      burst.last = b;
      burst.errors += b.errors;
    } else if (bursting) {
      burst = { first: b, last: b, errors: b.errors, baseline };
      out.push(burst);
    } else {
      burst = undefined;
    }
    if (!burst) before += b.errors; // a burst does not raise the baseline it is judged by
  }
  return out;
}

function toIncident(burst: Burst, s: BurstSettings, now: number): IncidentDraft {
  const open = now - ms(burst.last.time) <= 2 * s.bucketMs;
  return {
    ...aboutContainer("error-burst", burst.first, burst.last),
    ended: open ? null : new Date(ms(burst.last.time) + s.bucketMs).toISOString(),
    status: open ? "open" : "resolved",
    count: burst.errors,
    summary: `${burst.last.containerName} logged ${plural(burst.errors, "error line")}, ${burst.baseline.toFixed(2)} per ${s.bucketMs / 1000} s before`,
    evidence: {
      errors: burst.errors,
      baselinePerBucket: burst.baseline,
      bucketSeconds: s.bucketMs / 1000,
    },
  };
}
