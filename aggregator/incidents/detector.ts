import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { fromChTime } from "../query/window.ts";
import type { Store } from "../store/store.ts";
import { oomIncidents } from "./oom-rule.ts";
import { type ResourceSettings, resourceIncidents, type SampleFact } from "./resource-rules.ts";
import {
  type BurstSettings,
  containerIncidents,
  type ErrorBucket,
  type EventFact,
  errorBurstIncidents,
  fleetIncidents,
  type IncidentDraft,
  type LogFact,
  type RuleSettings,
  unitIncidents,
} from "./rules.ts";

export interface DetectorOptions extends RuleSettings, BurstSettings, ResourceSettings {
  /** How often the rules run over fresh evidence. */
  intervalMs: number;
  /** How far back each run looks (crash-loop streaks longer than this are cut). */
  lookbackMs: number;
}

export const DEFAULT_DETECTOR: DetectorOptions = {
  intervalMs: 2000,
  lookbackMs: 3600_000,
  crashLoopWindowMs: 5 * 60_000,
  crashLoopMinDies: 3,
  fleetWindowMs: 10 * 60_000,
  fleetMinHosts: 2,
  bucketMs: 10_000,
  burstFactor: 50,
  burstMinErrors: 20,
  burstMinHistory: 3,
  memoryPressureRatio: 0.9,
  throttleRatio: 0.5,
  resourceMinSamples: 3,
  resourceMaxGapMs: 30_000,
};

/** How far back error rates are compared: the burst's bucket against the rest of this window. */
const BURST_WINDOW_S = 600;

/**
 * Runs the incident rules over the last hour of stored evidence every couple of seconds and
 * writes the incidents that are new or changed. It keeps no state that matters: after a restart
 * it re-derives the same incidents (same ids) from the store.
 */
export class IncidentDetector {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #opts: DetectorOptions;
  /**
   * Fingerprint of what the store holds per incident id, to write only what is new or changed.
   * Filled from the store for ids this process has not written yet, so a restart rewrites nothing.
   */
  #written = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(store: Store, log: Logger, opts: DetectorOptions = DEFAULT_DETECTOR) {
    this.#store = store;
    this.#log = log;
    this.#opts = opts;
  }

  start(): void {
    const loop = () => {
      this.#running = this.tick()
        .then(() => undefined)
        .catch((err) => this.#log.error({ err }, "incident detection failed; retrying"))
        .finally(() => {
          if (this.#timer !== undefined) this.#timer = setTimeout(loop, this.#opts.intervalMs);
        });
    };
    this.#timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One run of every rule; returns the incidents it wrote. */
  async tick(): Promise<IncidentDraft[]> {
    const since = { lookback: Math.round(this.#opts.lookbackMs / 1000) };
    const events = await this.#store.rows<EventFact & { time_text: string }>(
      `SELECT toString(time) AS time_text, host, action, container_id AS containerId,
              container_name AS containerName, image, exit_code AS exitCode, attributes
       FROM events
       WHERE time >= now64(3) - toIntervalSecond({lookback:UInt32})
         AND action IN ('die', 'oom', 'oom-kill', 'kill', 'stop', 'start')
       ORDER BY time LIMIT 100000`,
      since,
    );
    const logs = await this.#store.rows<LogFact & { time_text: string }>(
      `SELECT toString(time) AS time_text, host, unit, identifier, body,
              attributes['journal.invocation_id'] AS invocationId FROM logs
       WHERE time >= now64(3) - toIntervalSecond({lookback:UInt32}) AND source = 'journald'
         AND multiSearchAny(body, ['Failed with result', 'Main process exited'])
       ORDER BY time LIMIT 10000`,
      since,
    );
    const buckets = await errorBucketsQuery(this.#store, this.#opts.bucketMs);
    const withTime = <T extends { time_text: string }>(r: T) => ({ ...r, time: fromChTime(r.time_text) });
    const now = Date.now();
    const eventFacts = events.map(withTime);
    const samples = (await resourceSamples(this.#store)).map(withTime);
    const drafts = [
      ...containerIncidents(eventFacts, now, this.#opts),
      ...oomIncidents(eventFacts, samples, now),
      ...unitIncidents(logs.map(withTime)),
    ];
    drafts.push(...fleetIncidents(drafts, now, this.#opts));
    drafts.push(...errorBurstIncidents(buckets.map(withTime), now, this.#opts));
    drafts.push(...resourceIncidents(samples, now, this.#opts));
    // One version per id: two in one insert would leave it to the merge which one stays.
    const seen = new Set<string>();
    const unique = drafts.filter((d) => !seen.has(d.id) && seen.add(d.id));
    await this.#loadStored(unique.filter((d) => !this.#written.has(d.id)).map((d) => d.id));
    const changed = unique.filter((d) => this.#written.get(d.id) !== fingerprint(d));
    if (changed.length > 0) {
      const updated = new Date().toISOString();
      await this.#store.client.insert({
        table: "incidents",
        values: changed.map((d) => toRow(d, updated)),
        format: "JSONEachRow",
        clickhouse_settings: { date_time_input_format: "best_effort" },
      });
      this.#log.info({ incidents: changed.map((d) => d.id) }, "incidents written");
    }
    this.#written = new Map(unique.map((d) => [d.id, fingerprint(d)]));
    return changed;
  }

  /** Fingerprints of the stored versions of these incidents (the latest of each). */
  async #loadStored(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.#store.rows<StoredIncident>(
      `SELECT id, toString(time) AS time_text, toString(ended) AS ended_text, kind, status, host, container_id,
              container_name, image, unit, count, summary, evidence
       FROM incidents FINAL WHERE id IN {ids:Array(String)}`,
      { ids },
    );
    for (const r of rows) this.#written.set(r.id, fingerprintOf(storedFields(r)));
  }
}

/**
 * Error-looking lines per container per bucket over the last window, for the containers that
 * logged an error lately (the others cannot be bursting).
 */
async function errorBucketsQuery(store: Store, bucketMs: number) {
  const errorish =
    "(severity_number >= 17 OR multiSearchAnyCaseInsensitive(body, ['error', 'fatal', 'panic', 'exception']))";
  return store.rows<ErrorBucket & { time_text: string }>(
    `SELECT host, container_id AS containerId, any(container_name) AS containerName, any(image) AS image,
            toString(toStartOfInterval(time, toIntervalSecond({bucket:UInt32}))) AS time_text,
            toUInt32(countIf(${errorish})) AS errors
     FROM logs
     WHERE time >= now64(3) - toIntervalSecond({window:UInt32}) AND container_id != ''
       AND container_id IN (SELECT DISTINCT container_id FROM logs
                            WHERE time >= now64(3) - toIntervalSecond({recent:UInt32}) AND container_id != '' AND ${errorish})
     GROUP BY host, container_id, time_text ORDER BY time_text`,
    { bucket: bucketMs / 1000, window: BURST_WINDOW_S, recent: (3 * bucketMs) / 1000 },
  );
}

/**
 * The last 10 minutes of samples of the containers that could be in trouble: near their memory
 * limit at some point, throttled more than once, or OOM-killed (counter rise) in that window.
 */
function resourceSamples(store: Store) {
  return store
    .rows<SampleFact & { time_text: string }>(
      `SELECT toString(time) AS time_text, host, container_id AS containerId, container_name AS containerName, image,
            memory_working_set_bytes AS memoryWorkingSetBytes, memory_limit_bytes AS memoryLimitBytes,
            cpu_periods AS cpuPeriods, cpu_throttled_periods AS cpuThrottledPeriods, oom_kills AS oomKills
     FROM samples
     WHERE time >= now64(3) - INTERVAL 10 MINUTE AND (host, container_id) IN (
       SELECT host, container_id FROM samples WHERE time >= now64(3) - INTERVAL 10 MINUTE
       GROUP BY host, container_id
       HAVING max(memory_limit_bytes > 0 AND memory_working_set_bytes >= 0.9 * memory_limit_bytes)
           OR max(cpu_throttled_periods) > min(cpu_throttled_periods)
           OR max(oom_kills) > min(oom_kills))
     ORDER BY time`,
    )
    .then((rows) =>
      rows.map((r) => ({
        ...r,
        memoryWorkingSetBytes: Number(r.memoryWorkingSetBytes),
        memoryLimitBytes: Number(r.memoryLimitBytes),
        cpuPeriods: Number(r.cpuPeriods),
        cpuThrottledPeriods: Number(r.cpuThrottledPeriods),
        oomKills: Number(r.oomKills ?? 0),
      })),
    );
}

type StoredIncident = ReturnType<typeof toRow> & { time_text: string; ended_text: string | null };

/** What the store keeps of an incident besides `updated`, times at its millisecond precision. */
function storedFields(r: Omit<StoredIncident, "time" | "ended" | "updated">): unknown[] {
  const msOf = (t: string | null) => (t === null ? null : Date.parse(t.includes("T") ? t : fromChTime(t)));
  return [
    r.kind,
    msOf(r.time_text),
    msOf(r.ended_text),
    r.status,
    r.host,
    r.container_id,
    r.container_name,
    r.image,
    r.unit,
    Number(r.count),
    r.summary,
    r.evidence,
  ];
}

const fingerprintOf = (fields: unknown[]) =>
  createHash("sha256").update(JSON.stringify(fields)).digest("hex");

/** A draft's fingerprint, equal to that of its stored row: an incident is written when this changes. */
function fingerprint(d: IncidentDraft): string {
  const { time, ended, ...row } = toRow(d, "");
  return fingerprintOf(storedFields({ ...row, time_text: time, ended_text: ended }));
}

function toRow(d: IncidentDraft, updated: string) {
  return {
    id: d.id,
    time: d.time,
    updated,
    ended: d.ended,
    kind: d.kind,
    status: d.status,
    host: d.host,
    container_id: d.containerId,
    container_name: d.containerName,
    image: d.image,
    unit: d.unit,
    count: d.count,
    summary: d.summary,
    evidence: JSON.stringify(d.evidence),
  };
}
