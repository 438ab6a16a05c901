// Whether a container's newest samples describe it now: a container that died, was removed or
// stopped being sampled uses no CPU or memory, whatever its last samples said.

/** Inventory states whose container has processes using CPU and memory ("" = no inventory). */
const USING_STATES = new Set(["running", "paused", ""]);

/** Collectors sample a host's containers one after another: allow this much between them. */
const SLACK_MS = 1000;

export interface SampleSpan {
  /** Its newest sample (ms since the epoch). */
  newestMs: number;
  /** How many samples, over how many seconds, the interval is estimated from. */
  samples: number;
  spanSeconds: number;
}

/**
 * True when the container still runs as of its host's newest sample: its latest inventory state
 * (undefined or "" when the inventory never saw it) is a running one, and it has a sample within
 * two sampling intervals of that newest sample. Its host's newest sample, not the aggregator's
 * clock, is the reference, so a collector running behind or a skewed clock does not make live
 * containers look dead. The interval is estimated from its own samples; with one sample it is
 * unknown and `fallbackIntervalMs` (the window they were taken from) bounds it.
 */
export function isCurrent(
  state: string | undefined,
  s: SampleSpan,
  hostNewestMs: number,
  fallbackIntervalMs: number,
): boolean {
  if (!USING_STATES.has(state ?? "")) return false;
  const intervalMs = s.samples > 1 ? (s.spanSeconds * 1000) / (s.samples - 1) : fallbackIntervalMs;
  return hostNewestMs - s.newestMs <= 2 * intervalMs + SLACK_MS;
}

/** The newest sample of each host among `rows`. */
export function newestPerHost(rows: { host: unknown; newestMs: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(String(r.host), Math.max(out.get(String(r.host)) ?? 0, r.newestMs));
  return out;
}
