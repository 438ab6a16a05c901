import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { type BatchHeader, decodeBatch, encodeBatch } from "../../protocol/batch.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import { fsyncDir, writeFileAtomic } from "./atomic-file.ts";

export type FullPolicy = "block" | "drop-oldest";

export interface SpoolOptions {
  dir: string;
  host: string;
  /** Upper bound of the batch files on disk. */
  maxBytes: number;
  /** block: writers wait for the shipper; drop-oldest: the oldest batches are deleted and counted. */
  fullPolicy: FullPolicy;
  log: Logger;
  /** Told of every batch the drop-oldest policy deletes unsent (for the per-source drop counter). */
  onDropped?: (batch: SpooledBatch) => void;
}

export interface SpooledBatch {
  seq: number;
  id: string;
  file: string;
  bytes: number;
  count: number;
  /** Records per source in this batch. */
  sources: Record<string, number>;
}

interface SpoolState {
  lastSeq: number;
  cursors: Record<string, unknown>;
}

export interface SpoolStats {
  batches: number;
  bytes: number;
  droppedBatches: number;
  droppedRecords: number;
  corruptBatches: number;
}

const BATCH_SUFFIX = ".batch";
const STATE_FILE = "state.json";
const ID_FILE = "collector-id";

/**
 * A bounded on-disk queue of batches, one file per batch, written tmp → fsync → rename so a
 * crash leaves either the whole batch or nothing. Each batch file carries the source cursors that
 * were current when it was written; on open, the newest batch's cursors win over state.json
 * (which is written right after), so a restart never re-reads what is already spooled.
 */
export class Spool {
  readonly #opts: SpoolOptions;
  #collectorId = "";
  #state: SpoolState = { lastSeq: 0, cursors: {} };
  readonly #queue: SpooledBatch[] = [];
  /** Batches a shipper is sending right now; not handed out twice, not dropped. */
  readonly #claimed = new Set<SpooledBatch>();
  #bytes = 0;
  #waiters: (() => void)[] = [];
  readonly stats: SpoolStats = {
    batches: 0,
    bytes: 0,
    droppedBatches: 0,
    droppedRecords: 0,
    corruptBatches: 0,
  };

  constructor(opts: SpoolOptions) {
    this.#opts = opts;
  }

  get collectorId(): string {
    return this.#collectorId;
  }

  /** Source cursors to resume from: the positions of the newest spooled data. */
  get cursors(): Record<string, unknown> {
    return this.#state.cursors;
  }

  async open(): Promise<void> {
    const { dir } = this.#opts;
    await mkdir(join(dir, "corrupt"), { recursive: true });
    this.#collectorId = await this.#loadOrCreateId();
    try {
      this.#state = JSON.parse(await readFile(join(dir, STATE_FILE), "utf8"));
    } catch {
      this.#state = { lastSeq: 0, cursors: {} };
    }
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (name.endsWith(".tmp")) await rm(join(dir, name), { force: true }); // torn, never spooled
      if (!name.endsWith(BATCH_SUFFIX)) continue;
      const file = join(dir, name);
      try {
        const body = await readFile(file);
        const { header, lines } = await decodeBatch(body);
        const seq = Number.parseInt(name, 10);
        const sources = header.sources ?? {};
        this.#queue.push({ seq, id: header.batchId, file, bytes: body.length, count: lines.length, sources });
        this.#bytes += body.length;
        this.#state.lastSeq = Math.max(this.#state.lastSeq, seq);
        Object.assign(this.#state.cursors, header.cursors ?? {});
      } catch (err) {
        this.stats.corruptBatches++;
        this.#opts.log.error({ err, file }, "spooled batch is unreadable; moved to corrupt/ and not shipped");
        await rename(file, join(dir, "corrupt", name));
      }
    }
    this.#queue.sort((a, b) => a.seq - b.seq);
    this.#refreshStats();
  }

  /** Writes one batch. With the block policy, waits while the spool is full. */
  async append(
    records: FleetRecord[],
    cursors: Record<string, unknown>,
    sources: Record<string, number> = {},
  ): Promise<void> {
    const seq = this.#state.lastSeq + 1;
    const header: BatchHeader = {
      v: 1,
      batchId: `${this.#collectorId}-${seq}`,
      collectorId: this.#collectorId,
      host: this.#opts.host,
      count: records.length,
      cursors,
      sources,
    };
    const body = await encodeBatch(header, records);
    await this.#makeRoom(body.length);
    const file = join(this.#opts.dir, `${String(seq).padStart(12, "0")}${BATCH_SUFFIX}`);
    await writeFileAtomic(file, body);
    this.#state = { lastSeq: seq, cursors: { ...this.#state.cursors, ...cursors } };
    this.#queue.push({ seq, id: header.batchId, file, bytes: body.length, count: records.length, sources });
    this.#bytes += body.length;
    this.#refreshStats();
    await writeFileAtomic(join(this.#opts.dir, STATE_FILE), JSON.stringify(this.#state));
    this.#wake();
  }

  oldest(): SpooledBatch | undefined {
    return this.#queue[0];
  }

  /** The oldest batch no one is sending, now marked as being sent; undefined when none. */
  claim(): SpooledBatch | undefined {
    const batch = this.#queue.find((b) => !this.#claimed.has(b));
    if (batch) this.#claimed.add(batch);
    return batch;
  }

  /** A send failed: the batch may be handed out again. */
  release(batch: SpooledBatch): void {
    this.#claimed.delete(batch);
    this.#wake();
  }

  read(batch: SpooledBatch): Promise<Buffer> {
    return readFile(batch.file);
  }

  /** Waits until there is a batch no one is sending (or the signal aborts). */
  async waitForBatch(signal: AbortSignal): Promise<void> {
    while (this.#queue.length <= this.#claimed.size && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }

  /** The aggregator has the batch: forget it. */
  async ack(batch: SpooledBatch): Promise<void> {
    await this.#remove(batch);
  }

  /** The aggregator refused the batch as malformed: keep it aside for a person, out of the queue. */
  async reject(batch: SpooledBatch): Promise<void> {
    await rename(
      batch.file,
      join(this.#opts.dir, "corrupt", `${String(batch.seq).padStart(12, "0")}.rejected`),
    );
    await this.#remove(batch, false);
  }

  async #remove(batch: SpooledBatch, unlink = true): Promise<void> {
    const i = this.#queue.indexOf(batch);
    if (i < 0) return;
    this.#queue.splice(i, 1);
    this.#claimed.delete(batch);
    this.#bytes -= batch.bytes;
    if (unlink) await rm(batch.file, { force: true });
    this.#refreshStats();
    this.#wake();
  }

  async #makeRoom(incoming: number): Promise<void> {
    const { maxBytes, fullPolicy, log } = this.#opts;
    // An empty spool always takes one batch, however large, so nothing deadlocks.
    while (this.#queue.length > 0 && this.#bytes + incoming > maxBytes) {
      if (fullPolicy === "block") {
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
        continue;
      }
      // Batches being sent are not dropped (they may be stored already); with only those
      // left, the spool goes over its bound by at most the shipper's concurrency.
      const victim = this.#queue.find((b) => !this.#claimed.has(b));
      if (!victim) return;
      this.stats.droppedBatches++;
      this.stats.droppedRecords += victim.count;
      this.#opts.onDropped?.(victim);
      log.warn(
        { batch: victim.id, records: victim.count },
        "spool full: dropped the oldest batch (drop-oldest)",
      );
      await this.#remove(victim);
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #refreshStats(): void {
    this.stats.batches = this.#queue.length;
    this.stats.bytes = this.#bytes;
  }

  async #loadOrCreateId(): Promise<string> {
    const file = join(this.#opts.dir, ID_FILE);
    try {
      const id = (await readFile(file, "utf8")).trim();
      if (id) return id;
    } catch {}
    const id = randomUUID();
    await writeFile(file, `${id}\n`);
    const fh = await open(file, "r");
    await fh.sync();
    await fh.close();
    await fsyncDir(this.#opts.dir);
    return id;
  }
}
