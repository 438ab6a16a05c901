// What the aggregator accepts of one record (protocol/records.ts RECORD_LIMITS, and the record
// time window of protocol/time.ts), applied before a record is spooled: a record past them would
// be refused at ingest and its line lost, and a time the store cannot keep would be replaced there
// anyway, with a less exact received time after a spool backlog. Here the received time is now.

import type { FleetRecord } from "../../protocol/records.ts";
import { RECORD_LIMITS, retimeRecord } from "../../protocol/records.ts";
import { TRUNCATION_MARKER } from "./truncate.ts";

/** Set on a record whose attributes were cut to the limits: how many entries were cut or left out. */
export const ATTRIBUTES_CUT_ATTRIBUTE = "fleetscope.attributes_cut";

/** What `boundRecord` changed, for the pipeline's counters. */
export interface BoundsOutcome {
  /** Its time (or a process's start time) became the received time. */
  retimed: boolean;
  /** Entries of its attributes or labels cut or left out. */
  entriesCut: number;
}

/** Brings `r` within what ingest accepts, in place. */
export function boundRecord(r: FleetRecord, receivedIso: string): BoundsOutcome {
  const retimed = retimeRecord(r, receivedIso);
  let entriesCut = 0;
  if (r.kind === "log" || r.kind === "event") {
    entriesCut = boundMap(r.attributes, RECORD_LIMITS.mapEntries - 1);
    if (entriesCut > 0) r.attributes[ATTRIBUTES_CUT_ATTRIBUTE] = String(entriesCut);
  } else if (r.kind === "container" || (r.kind === "host" && r.labels)) {
    entriesCut = boundMap(r.labels as Record<string, string>, RECORD_LIMITS.mapEntries);
  }
  return { retimed, entriesCut };
}

/**
 * Cuts a map to at most `maxEntries` entries (the first ones kept), values to the value limit
 * (marked like a cut log line) and leaves out keys past the key limit. Returns how many entries
 * changed. Almost every map is far inside: that case only counts.
 */
function boundMap(map: Record<string, string>, maxEntries: number): number {
  let seen = 0;
  let cut = 0;
  for (const key of Object.keys(map)) {
    seen++;
    const value = map[key] as string;
    if (seen > maxEntries || key.length > RECORD_LIMITS.keyChars) {
      delete map[key];
      cut++;
    } else if (value.length > RECORD_LIMITS.valueChars) {
      const kept = value.slice(0, RECORD_LIMITS.valueChars - TRUNCATION_MARKER.length).toWellFormed();
      map[key] = kept + TRUNCATION_MARKER;
      cut++;
    }
  }
  return cut;
}

/** The counters `RecordBounds` keeps (prom-client's Counter fits). */
interface KindCounter {
  inc(labels: { kind: string }, value?: number): void;
}

/** boundRecord with the received time taken now, counted by record kind. */
export class RecordBounds {
  readonly #counters: { recordsRetimed: KindCounter; attributesCut: KindCounter };

  /** The received time as text, made once per millisecond: a read of thousands of lines shares it. */
  #lastMs = -1;
  #lastIso = "";

  #now(): string {
    const ms = Date.now();
    if (ms !== this.#lastMs) {
      this.#lastMs = ms;
      this.#lastIso = new Date(ms).toISOString();
    }
    return this.#lastIso;
  }

  constructor(counters: { recordsRetimed: KindCounter; attributesCut: KindCounter }) {
    this.#counters = counters;
  }

  apply(r: FleetRecord): void {
    const { retimed, entriesCut } = boundRecord(r, this.#now());
    if (retimed) this.#counters.recordsRetimed.inc({ kind: r.kind });
    if (entriesCut > 0) this.#counters.attributesCut.inc({ kind: r.kind }, entriesCut);
  }
}
