import type { Logger } from "pino";
import { DEATH_ACTIONS, type FleetRecord } from "../protocol/records.ts";
import type { CollectorMetrics } from "./metrics.ts";
import { RecordBounds } from "./processors/bounds.ts";
import { enrichLog } from "./processors/enrich.ts";
import { HeldCursors, type Ticket } from "./processors/held-cursors.ts";
import { type Joined, MultilineJoiner, type MultilineMode } from "./processors/multiline.ts";
import { type Spool, writeFailureReason } from "./spool/spool.ts";

export interface PipelineOptions {
  /** A batch is written once this many records wait … */
  maxBatchRecords: number;
  /**
   * … or about this many bytes of them (DEFAULT_MAX_BATCH_BYTES): the aggregator refuses a batch
   * above its --max-batch-bytes (32 MiB decompressed by default) as a whole.
   */
  maxBatchBytes?: number;
  /** … or this long after the first one arrived, whichever comes first. */
  flushIntervalMs: number;
  /** Log bodies above this many bytes are cut with a marker (--max-line-size); default 256 KiB. */
  maxLineBytes?: number;
  /** Join multi-line stack traces of container streams (--multiline); default off. */
  multiline?: MultilineMode;
  /** How long a line that may start a trace waits for its next line; default 500 ms. */
  multilineLingerMs?: number;
  /** Where failed spool writes are reported (once per episode). */
  log?: Logger;
  /** Pause between attempts to write a batch the spool refused; default 1 s. */
  retryMs?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 256 * 1024;

/**
 * 4 MiB of estimated record text a batch: even if JSON escaping made every byte six (\u0000
 * forms), a batch stays below the aggregator's default 32 MiB bound.
 */
export const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** A buffered record's source, or its lines' sources when several lines were joined into it. */
type Origin = string | string[];

/**
 * A point in the buffer where the cursors are exact: they cover every record before `at` and none
 * after it. A batch that ends here may carry them and be shipped at once.
 */
interface Mark {
  at: number;
  cursors: Record<string, unknown>;
}

/** Batches written as one (Spool.appendGroup): the last ends at a mark and carries its cursors. */
interface Group {
  parts: { records: FleetRecord[]; sources: Record<string, number> }[];
  cursors: Record<string, unknown>;
  /** Buffer index of its first record. */
  from: number;
}

/** Records (lines, for joined records) per source. */
function countBySource(origins: Origin[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (source: string) => {
    counts[source] = (counts[source] ?? 0) + 1;
  };
  for (const o of origins) {
    if (typeof o === "string") add(o);
    else o.forEach(add);
  }
  return counts;
}

/** What a record adds to a batch, roughly and cheaply: its texts plus a fixed part for the rest. */
function estimatedBytes(r: FleetRecord): number {
  if (r.kind !== "log") return 1024;
  let n = 256 + r.body.length;
  for (const k in r.attributes) n += k.length + (r.attributes[k]?.length ?? 0);
  return n;
}

/**
 * Gathers what sources emit into batches and writes them to the spool, keeping each source's
 * cursor beside the records it describes. Sources await emit(): while the spool is full (block
 * policy) the flush waits, and so do they. Log records are enriched here (size limit, structured
 * fields, severity) so that every source and receiver gets the same treatment, and optionally
 * joined into multi-line records; a source's cursor only moves past lines the joiner holds once
 * they are buffered.
 *
 * A spool write that fails (disk full, no file descriptor left, I/O error) loses nothing and
 * rejects nothing: the records go back in the buffer, the failure is counted and logged once per
 * episode, and the write is retried. Meanwhile every emit() waits until a write succeeds again,
 * so sources pause (their cursors stay where the spool has them) and TCP receivers stop reading;
 * the buffer holds at most what the waiting callers had already handed in.
 */
export class Pipeline {
  readonly #spool: Spool;
  readonly #opts: PipelineOptions;
  readonly #metrics: CollectorMetrics;
  readonly #maxLineBytes: number;
  readonly #maxBatchBytes: number;
  readonly #joiner: MultilineJoiner<Ticket> | undefined;
  readonly #held = new HeldCursors();
  readonly #bounds: RecordBounds;
  #buffer: FleetRecord[] = [];
  /** estimatedBytes() of the buffer. */
  #bufferBytes = 0;
  /**
   * Where each buffered record came from, index for index: its source, or one source per line of a
   * joined record. Each batch counts its own records per source, which the spool's drop counter
   * and the shipped counters go by.
   */
  #origins: Origin[] = [];
  readonly #cursors: Record<string, unknown>;
  /** Where the buffer's cursors were exact, in order (#mark). */
  #marks: Mark[] = [];
  /** #cursors changed since the last mark was taken. */
  #cursorsMoved = false;
  #timer: NodeJS.Timeout | undefined;
  #holdTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** Set while the spool refuses writes; resolved by the first write that succeeds again. */
  #stall: { reason: string; recovered: Promise<void>; resolve: () => void } | undefined;
  #closed = false;
  #retryTimer: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(spool: Spool, opts: PipelineOptions, metrics: CollectorMetrics) {
    this.#spool = spool;
    this.#opts = opts;
    this.#metrics = metrics;
    this.#bounds = new RecordBounds(metrics);
    this.#cursors = { ...spool.cursors };
    this.#maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    if (opts.multiline === "auto")
      this.#joiner = new MultilineJoiner({
        lingerMs: opts.multilineLingerMs ?? 500,
        maxLines: 1000,
        maxChars: this.#maxLineBytes,
      });
  }

  async emit(source: string, records: FleetRecord[], cursor?: unknown): Promise<void> {
    this.#metrics.recordsRead.inc({ source }, records.length);
    const ticket = this.#held.open(source, cursor, records.length);
    const joiner = this.#joiner;
    const now = Date.now();
    for (const r of records) {
      if (joiner && r.kind === "log") this.#acceptAll(joiner.push(r, ticket, now));
      else this.#accept(r, ticket);
    }
    this.#settle(source);
    this.#mark();
    if (joiner && joiner.held > 0) this.#armHoldTimer();
    if (
      this.#buffer.length >= this.#opts.maxBatchRecords ||
      this.#bufferBytes >= this.#maxBatchBytes ||
      records.some(isDeath)
    )
      return this.#flushBuffer();
    if (this.#buffer.length > 0)
      this.#timer ??= setTimeout(() => void this.#flushBuffer(), this.#opts.flushIntervalMs);
    if (this.#stall) await this.#stall.recovered;
  }

  /** Whether the spool refuses writes right now: a receiver that cannot wait (UDP) drops instead. */
  get stalled(): boolean {
    return this.#stall !== undefined;
  }

  /** Stops retrying a refused write (shutdown): what is still buffered is reported as lost. */
  close(): void {
    this.#closed = true;
    this.#retryTimer?.wake();
    this.#stall?.resolve();
  }

  /** Writes everything emitted so far, lines held for joining included; flushes run one after another. */
  flush(): Promise<void> {
    if (this.#joiner) this.#release(this.#joiner.flush(Date.now(), true));
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    return this.#flushBuffer();
  }

  #flushBuffer(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(() => this.#writeBuffered());
    return this.#flushing;
  }

  #accept(r: FleetRecord, ticket: Ticket): void {
    this.#bounds.apply(r);
    if (r.kind === "log" && enrichLog(r, { maxLineBytes: this.#maxLineBytes }))
      this.#metrics.truncatedLines.inc({ source: ticket.source });
    this.#buffer.push(r);
    this.#bufferBytes += estimatedBytes(r);
    this.#origins.push(ticket.source);
    ticket.held--;
  }

  #acceptAll(joined: Joined<Ticket>[]): void {
    for (const { record, tags } of joined) {
      this.#accept(record, tags[0] as Ticket);
      if (tags.length > 1) this.#origins[this.#origins.length - 1] = tags.map((t) => t.source);
      for (const t of tags.slice(1)) t.held--;
    }
  }

  /** Buffers released lines and moves the cursors their release unblocked. */
  #release(joined: Joined<Ticket>[]): void {
    if (joined.length === 0) return;
    this.#acceptAll(joined);
    for (const source of new Set(joined.flatMap((j) => j.tags.map((t) => t.source)))) this.#settle(source);
    this.#mark();
  }

  #settle(source: string): void {
    const settled = this.#held.settle(source);
    if (!settled) return;
    this.#cursors[source] = settled.cursor;
    this.#cursorsMoved = true;
  }

  /**
   * Notes that the cursors are exact at the buffer's end, as they are whenever an emit or a
   * release is done (every settled cursor's records are buffered). A flush that spans several
   * emits is cut into batches there, each shipped as soon as it is written, instead of one group
   * that waits for its last batch. Cursors unchanged since the last mark are shared, not copied.
   */
  #mark(): void {
    const at = this.#buffer.length;
    if (at === 0) return;
    const last = this.#marks.at(-1);
    const cursors = this.#cursorsMoved || !last ? { ...this.#cursors } : last.cursors;
    this.#cursorsMoved = false;
    if (last?.at === at) last.cursors = cursors;
    else this.#marks.push({ at, cursors });
  }

  /** Releases held lines once they waited lingerMs. */
  #armHoldTimer(): void {
    const due = this.#joiner?.nextDue();
    if (this.#holdTimer || due === undefined) return;
    this.#holdTimer = setTimeout(
      () => {
        this.#holdTimer = undefined;
        this.#release(this.#joiner?.flush(Date.now()) ?? []);
        if (this.#buffer.length > 0) this.#timer ??= setTimeout(() => void this.#flushBuffer(), 0);
        this.#armHoldTimer();
      },
      Math.max(0, due - Date.now()),
    );
  }

  /**
   * Writes the buffer as batches of at most maxBatchRecords / maxBatchBytes, retrying until the
   * spool takes them; never rejects. (While the spool refused writes the buffer may have grown
   * past one batch; written whole it would be a batch the aggregator refuses.) A batch that ends
   * where the cursors are exact carries them; one that ends inside an emit cannot, so it goes in
   * a group with the batches up to the next such point, which carries them, and the spool forgets
   * a group a crash cut short (Spool.appendGroup) — else the source would read the records of its
   * first batches again, and they would be stored twice.
   */
  async #writeBuffered(): Promise<void> {
    while (this.#buffer.length > 0) {
      // Every emit and release already ends on a mark; noted again so #groups always finds one at
      // the end, where the last group closes (a group with no mark after it would not be written).
      this.#mark();
      const records = this.#buffer;
      const origins = this.#origins;
      const marks = this.#marks;
      this.#buffer = [];
      this.#origins = [];
      this.#marks = [];
      this.#bufferBytes = 0;
      for (const group of this.#groups(records, origins, marks)) {
        try {
          await this.#spool.appendGroup(group.parts, group.cursors);
          this.#recovered();
        } catch (err) {
          this.#putBack(records.slice(group.from), origins.slice(group.from), marks, group.from);
          this.#failed(err, records.length - group.from);
          if (this.#closed) {
            this.#opts.log?.error(
              { records: this.#buffer.length, err: String(err) },
              "stopping with records the spool could not take: they are lost (sources with a cursor read them again)",
            );
            return;
          }
          await this.#retryPause();
          break;
        }
      }
    }
  }

  /** Puts what a failed write did not take back in front of the buffer, marks and all. */
  #putBack(records: FleetRecord[], origins: Origin[], marks: Mark[], from: number): void {
    const later = this.#marks.map((m) => ({ at: m.at + records.length, cursors: m.cursors }));
    this.#marks = marks
      .filter((m) => m.at > from)
      .map((m) => ({ at: m.at - from, cursors: m.cursors }))
      .concat(later);
    this.#buffer = records.concat(this.#buffer);
    this.#origins = origins.concat(this.#origins);
    for (const r of records) this.#bufferBytes += estimatedBytes(r);
  }

  /**
   * `records` cut in batches of at most maxBatchRecords and about maxBatchBytes (at least one
   * record each), and those in groups that end at a mark. A batch ends at the last mark in its
   * second half when there is one, else where it is full: a small emit before a big one rides in
   * the big one's first batch rather than make a batch of its own.
   */
  #groups(records: FleetRecord[], origins: Origin[], marks: Mark[]): Group[] {
    const groups: Group[] = [];
    let group: Group = { parts: [], cursors: {}, from: 0 };
    let start = 0;
    let m = 0; // the first mark past `start`
    while (start < records.length) {
      const full = this.#batchEnd(records, start);
      while (m < marks.length && (marks[m] as Mark).at <= start) m++;
      let cut: Mark | undefined;
      for (let j = m; j < marks.length; j++) {
        const mark = marks[j] as Mark;
        if (mark.at > full) break;
        if (mark.at * 2 >= start + full) cut = mark;
      }
      const end = cut?.at ?? full;
      group.parts.push({
        records: records.slice(start, end),
        sources: countBySource(origins.slice(start, end)),
      });
      start = end;
      if (cut) {
        group.cursors = cut.cursors;
        groups.push(group);
        group = { parts: [], cursors: {}, from: end };
      }
    }
    return groups;
  }

  /** Where a batch that starts at `start` is full: maxBatchRecords, or about maxBatchBytes. */
  #batchEnd(records: FleetRecord[], start: number): number {
    const max = Math.min(records.length, start + this.#opts.maxBatchRecords);
    let end = start;
    let bytes = 0;
    while (end < max && bytes < this.#maxBatchBytes) bytes += estimatedBytes(records[end++] as FleetRecord);
    return end;
  }

  #failed(err: unknown, records: number): void {
    const reason = writeFailureReason(err);
    this.#metrics.spoolWriteFailures.inc({ reason });
    if (this.#stall) return;
    let resolve = () => {};
    const recovered = new Promise<void>((r) => (resolve = r));
    this.#stall = { reason, recovered, resolve };
    this.#opts.log?.error(
      { err: String(err), reason, records },
      "cannot write to the spool; holding the records, pausing the sources and retrying (free space on the spool's disk, or raise the open-files limit)",
    );
  }

  #recovered(): void {
    const stall = this.#stall;
    if (!stall) return;
    this.#stall = undefined;
    this.#opts.log?.warn({ reason: stall.reason }, "the spool takes writes again; sources resume");
    stall.resolve();
  }

  #retryPause(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#retryTimer = undefined;
        resolve();
      };
      const timer = setTimeout(wake, this.#opts.retryMs ?? 1000);
      this.#retryTimer = { timer, wake };
    });
  }
}

/** A container's death goes out at once (DEATH_ACTIONS): who waits for it should not wait for flushIntervalMs. */
const isDeath = (r: FleetRecord) => r.kind === "event" && DEATH_ACTIONS.has(r.action);
