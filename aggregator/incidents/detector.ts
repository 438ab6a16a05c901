import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { DEATH_ACTIONS } from "../../protocol/records.ts";
import { fromChTime } from "../query/window.ts";
import type { Store } from "../store/store.ts";
import { type Focus, type InLogSet, LOADERS, type LoadedEvidence } from "./evidence.ts";
import {
  ALL_RULES,
  DEFAULT_RULE_SETTINGS,
  evaluateRules,
  PER_CONTAINER_RULES,
  type RuleSet,
  type RuleSettings,
} from "./registry.ts";
import { containerKey, type Evidence, type IncidentDraft, idOf } from "./rule.ts";

export interface DetectorOptions extends RuleSettings {
  /** How often the rules run over fresh evidence. */
  intervalMs: number;
  /** How far back each run looks (crash-loop streaks longer than this are cut). */
  lookbackMs: number;
  /**
   * How long a wake (wake()) waits before its run: the events of one death (oom, oom-kill, die)
   * arrive in batches a few milliseconds apart, and one run should see them all.
   */
  wakeDelayMs: number;
}

export const DEFAULT_DETECTOR: DetectorOptions = {
  intervalMs: 2000,
  lookbackMs: 3600_000,
  wakeDelayMs: 50,
  ...DEFAULT_RULE_SETTINGS,
};

/**
 * Runs the incident rules (registry.ts) over the last hour of stored evidence every couple of
 * seconds and writes the incidents that are new or changed. It keeps no state that matters: after
 * a restart it re-derives the same incidents (same ids) from the store.
 *
 * A stored death wakes it for a run of the per-container rules over only the dying containers'
 * evidence: on a big store the full run's queries take a few hundred milliseconds, and the death's
 * incident should not wait for them. The full runs keep their interval and find the rest (a fleet
 * incident, a unit's failure).
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
  /** Containers a death named that no run has looked at since, by containerKey. */
  readonly #dying = new Map<string, { host: string; containerId: string }>();
  /** When the next full run is due (ms since the epoch): a run before it looks at #dying only. */
  #fullDueAt = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires (ms since the epoch). */
  #dueAt = 0;
  #running: Promise<void> | undefined;
  /** A wake came during a run: run again (after wakeDelayMs) once it ends. */
  #again = false;
  #stopped = true;
  /**
   * #run in the context the detector was made in: a wake comes from inside an ingest request, whose
   * reader scope, query limits and abort signal (async-local) must not follow the detector's queries.
   */
  readonly #runHere: () => void;
  /** Told of every write (the notifiers): they keep what they need, the detector never waits on them. */
  readonly #listeners: ((written: WrittenIncident[]) => void)[] = [];

  constructor(store: Store, log: Logger, opts: DetectorOptions = DEFAULT_DETECTOR) {
    this.#store = store;
    this.#log = log;
    this.#opts = opts;
    this.#runHere = AsyncLocalStorage.bind(() => this.#run());
  }

  /** Runs the rules now, then every intervalMs after each run ends (and sooner on wake()). */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /**
   * New evidence that can open an incident has been stored: run soon (wakeDelayMs) instead of at
   * the next interval. Runs never overlap: a wake during a run makes one more run after it.
   */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#dueAt > Date.now() + this.#opts.wakeDelayMs) this.#schedule(this.#opts.wakeDelayMs);
  }

  /**
   * A batch was stored: if its events hold a death (DEATH_ACTIONS), wake() for a run over the
   * dying containers (a full one if none is named: no rule reads a kill of no known container).
   */
  wakeFor(stored: ReadonlyMap<string, readonly Record<string, unknown>[]>): void {
    const deaths = stored.get("events")?.filter((e) => DEATH_ACTIONS.has(String(e.action))) ?? [];
    if (deaths.length === 0) return;
    for (const e of deaths) {
      const dying = { host: String(e.host), containerId: String(e.container_id ?? "") };
      if (dying.containerId !== "") this.#dying.set(containerKey(dying), dying);
    }
    this.wake();
  }

  /** Calls `listener` after each write with what was written; it must return at once. */
  onWritten(listener: (written: WrittenIncident[]) => void): void {
    this.#listeners.push(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#dueAt = Date.now() + delayMs;
    this.#timer = setTimeout(this.#runHere, delayMs);
  }

  /**
   * A full run when one is due or no death is waiting, else a run over the dying containers; a
   * failed run's deaths are the next full run's (at most intervalMs later).
   */
  #run(): void {
    const full = this.#dying.size === 0 || Date.now() >= this.#fullDueAt;
    const focus = full ? undefined : focusOf(this.#dying.values());
    this.#dying.clear();
    this.#running = this.tick(focus)
      .then(() => undefined)
      .catch((err) => this.#log.error({ err }, "incident detection failed; retrying"))
      .finally(() => {
        this.#running = undefined;
        if (full) this.#fullDueAt = Date.now() + this.#opts.intervalMs;
        if (this.#stopped) return;
        const again = this.#again || this.#dying.size > 0;
        this.#again = false;
        this.#schedule(again ? this.#opts.wakeDelayMs : Math.max(0, this.#fullDueAt - Date.now()));
      });
  }

  /**
   * One run: every rule over all evidence, or with `focus` the per-container rules over only those
   * containers' evidence. Returns the incidents it wrote.
   */
  async tick(focus?: Focus): Promise<LoggedDraft[]> {
    const rules = focus ? PER_CONTAINER_RULES : ALL_RULES;
    const drafts = evaluatePerLogSet(await this.#evidence(rules, focus), this.#opts, Date.now(), rules);
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
      // After #loadStored, an id #written lacks has no stored version: the incident is new.
      this.#tell(changed.map((incident) => ({ incident, isNew: !this.#written.has(incident.id) })));
    }
    // A full run found every incident there is (the ones it no longer finds are forgotten); a
    // focused one, only its containers'.
    const found = unique.map((d): [string, string] => [d.id, fingerprint(d)]);
    this.#written = new Map(focus ? [...this.#written, ...found] : found);
    return changed;
  }

  #tell(written: WrittenIncident[]): void {
    for (const listener of this.#listeners)
      try {
        listener(written);
      } catch (err) {
        this.#log.error({ err }, "an incident listener failed; the incidents are stored");
      }
  }

  /** The evidence `rules` need (the rest left empty), of `focus`'s containers only with one. */
  async #evidence(rules: RuleSet, focus: Focus | undefined): Promise<LoadedEvidence> {
    const evidence: LoadedEvidence = { events: [], unitLogs: [], errorBuckets: [], samples: [] };
    await Promise.all(
      rules.needs.map(async (name) => {
        (evidence as Record<string, unknown>)[name] = await LOADERS[name](this.#store, this.#opts, focus);
      }),
    );
    return evidence;
  }

  /** Fingerprints of the stored versions of these incidents (the latest of each). */
  async #loadStored(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.#store.rows<StoredIncident>(
      `SELECT id, toString(time) AS time_text, toString(ended) AS ended_text, kind, status, log_set, host, container_id,
              container_name, image, unit, count, summary, evidence
       FROM incidents FINAL WHERE id IN {ids:Array(String)}`,
      { ids },
    );
    for (const r of rows) this.#written.set(r.id, fingerprintOf(storedFields(r)));
  }
}

/** The hosts and ids of the dying containers, for the evidence loaders. */
function focusOf(dying: Iterable<{ host: string; containerId: string }>): Focus {
  const list = [...dying];
  return {
    hosts: [...new Set(list.map((d) => d.host))],
    containerIds: [...new Set(list.map((d) => d.containerId))],
  };
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
    r.log_set,
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
function fingerprint(d: LoggedDraft): string {
  const { time, ended, ...row } = toRow(d, "");
  return fingerprintOf(storedFields({ ...row, time_text: time, ended_text: ended }));
}

function toRow(d: LoggedDraft, updated: string) {
  return {
    id: d.id,
    time: d.time,
    updated,
    ended: d.ended,
    kind: d.kind,
    status: d.status,
    log_set: d.logSet,
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

/** An incident as written, and whether no version of it was stored before. */
export interface WrittenIncident {
  incident: LoggedDraft;
  isNew: boolean;
}

/** An incident with the log set of the rows it was found in. */
export type LoggedDraft = IncidentDraft & { logSet: string };

/**
 * Runs the rules once per log set over that set's evidence: a tenant's deaths never join another
 * tenant's fleet incident, and its incidents carry its log set (so its readers, and only they,
 * see them). Facts lose their logSet before the rules see them, so stored evidence is unchanged.
 */
export function evaluatePerLogSet(
  evidence: LoadedEvidence,
  settings: RuleSettings,
  now: number,
  rules: RuleSet = ALL_RULES,
): LoggedDraft[] {
  const lists = Object.values(evidence) as InLogSet<object>[][];
  const logSets = [...new Set(lists.flatMap((facts) => facts.map((f) => f.logSet)))].sort();
  return logSets.flatMap((logSet) => {
    const part = Object.fromEntries(
      Object.entries(evidence).map(([name, facts]) => [
        name,
        (facts as InLogSet<object>[]).filter((f) => f.logSet === logSet).map(({ logSet: _, ...f }) => f),
      ]),
    ) as Omit<Evidence, "incidents">;
    return withLogSet(logSet, evaluateRules(part, settings, now, rules));
  });
}

/**
 * Tags drafts with their log set. Outside 'default' (whose ids stay as they always were) the log
 * set goes into every id, and into the ids drafts cite, so a sender in another log set cannot
 * overwrite an incident by sending evidence that derives the same id.
 */
function withLogSet(logSet: string, drafts: IncidentDraft[]): LoggedDraft[] {
  if (logSet === "default") return drafts.map((d) => ({ ...d, logSet }));
  const ids = new Map(drafts.map((d) => [d.id, idOf(logSet, d.id)]));
  const cite = (v: unknown): unknown => {
    if (typeof v === "string") return ids.get(v) ?? v;
    if (Array.isArray(v)) return v.map(cite);
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cite(x)]));
    return v;
  };
  return drafts.map((d) => ({ ...d, id: ids.get(d.id) ?? d.id, evidence: cite(d.evidence), logSet }));
}
