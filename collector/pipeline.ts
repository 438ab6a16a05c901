import type { FleetRecord } from "../protocol/records.ts";
import type { CollectorMetrics } from "./metrics.ts";
import type { Spool } from "./spool/spool.ts";

export interface PipelineOptions {
  /** A batch is written once this many records wait … */
  maxBatchRecords: number;
  /** … or this long after the first one arrived, whichever comes first. */
  flushIntervalMs: number;
}

/**
 * Gathers what sources emit into batches and writes them to the spool, keeping each source's
 * cursor beside the records it describes. Sources await emit(): while the spool is full (block
 * policy) the flush waits, and so do they.
 */
export class Pipeline {
  readonly #spool: Spool;
  readonly #opts: PipelineOptions;
  readonly #metrics: CollectorMetrics;
  #buffer: FleetRecord[] = [];
  /** Records per source in the buffer. */
  #bufferSources: Record<string, number> = {};
  readonly #cursors: Record<string, unknown>;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(spool: Spool, opts: PipelineOptions, metrics: CollectorMetrics) {
    this.#spool = spool;
    this.#opts = opts;
    this.#metrics = metrics;
    this.#cursors = { ...spool.cursors };
  }

  async emit(source: string, records: FleetRecord[], cursor?: unknown): Promise<void> {
    for (const r of records) this.#buffer.push(r);
    this.#bufferSources[source] = (this.#bufferSources[source] ?? 0) + records.length;
    if (cursor !== undefined) this.#cursors[source] = cursor;
    this.#metrics.recordsRead.inc({ source }, records.length);
    if (this.#buffer.length >= this.#opts.maxBatchRecords) return this.flush();
    this.#timer ??= setTimeout(() => void this.flush(), this.#opts.flushIntervalMs);
  }

  /** Writes what is buffered; flushes run one after another. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(() => this.#writeBuffered());
    return this.#flushing;
  }

  async #writeBuffered(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const records = this.#buffer;
    const sources = this.#bufferSources;
    this.#buffer = [];
    this.#bufferSources = {};
    await this.#spool.append(records, { ...this.#cursors }, sources);
  }
}
