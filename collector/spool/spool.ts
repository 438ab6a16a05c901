import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { type BatchHeader, decodeBatch, encodeBatch } from "../../protocol/batch.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { loadOrCreateCollectorId, renewCollectorId } from "./collector-id.ts";

export type FullPolicy = "block" | "drop-oldest";

export interface SpoolOptions {
  dir: string;
  host: string;
  /** Upper bound of the batch files on disk (clamped at open to what the filesystem has free). */
  maxBytes: number;
  /** Free space the spool always leaves on its filesystem (--spool-min-free); default 0. */
  minFreeBytes?: number;
  /** Upper bound of `rejected/` (batches the aggregator refused); the oldest go first. Default maxBytes / 10. */
  rejectedMaxBytes?: number;
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
  /** Batches set aside in rejected/ since start. */
  rejectedBatches: number;
  /** Set-aside batches deleted to keep rejected/ in its bound. */
  rejectedDropped: number;
}

/** Why a spool write failed, as a bounded metric label. */
export type WriteFailure = "no-space" | "too-many-open-files" | "io" | "read-only" | "other";

/** The label for a failed write's error: what a person would fix (disk, fd limit, device). */
export function writeFailureReason(err: unknown): WriteFailure {
  const code = (err as { code?: string } | undefined)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return "no-space";
  if (code === "EMFILE" || code === "ENFILE") return "too-many-open-files";
  if (code === "EIO") return "io";
  if (code === "EROFS") return "read-only";
  return "other";
}

/** Bytes an unprivileged writer may still use on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}

const BATCH_SUFFIX = ".batch";
const STATE_FILE = "state.json";
const REJECTED_DIR = "rejected";

/**
 * A bounded on-disk queue of batches, one file per batch, written tmp → fsync → rename so a
 * crash leaves either the whole batch or nothing. Each batch file carries the source cursors that
 * were current when it was written; on open, the newest batch's cursors win over state.json
 * (which is written right after), so a restart never re-reads what is already spooled.
 */
export class Spool {
  readonly #opts: SpoolOptions;
  #collectorId = "";
  /** This process, in the headers of the batches it writes (see BatchHeader.instance). */
  readonly instance = randomUUID();
  #state: SpoolState = { lastSeq: 0, cursors: {} };
  /** The newest batch whose cursors state.json holds on disk. */
  #durableSeq = 0;
  readonly #queue: SpooledBatch[] = [];
  /** Batches a shipper is sending right now; not handed out twice, not dropped. */
  readonly #claimed = new Set<SpooledBatch>();
  #bytes = 0;
  #maxBytes: number;
  /** state.json could not be written after a batch; retried with the next one (the batch holds the cursors). */
  #stateDirty = false;
  #waiters: (() => void)[] = [];
  readonly stats: SpoolStats = {
    batches: 0,
    bytes: 0,
    droppedBatches: 0,
    droppedRecords: 0,
    corruptBatches: 0,
    rejectedBatches: 0,
    rejectedDropped: 0,
  };

  constructor(opts: SpoolOptions) {
    this.#opts = opts;
    this.#maxBytes = opts.maxBytes;
  }

  /** The bound in effect: --spool-max-size, or less when the disk has less room. */
  get maxBytes(): number {
    return this.#maxBytes;
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
    await mkdir(join(dir, REJECTED_DIR), { recursive: true });
    this.#collectorId = await this.#loadOrCreateId();
    try {
      this.#state = JSON.parse(await readFile(join(dir, STATE_FILE), "utf8"));
      this.#durableSeq = this.#state.lastSeq;
    } catch {
      this.#state = { lastSeq: 0, cursors: {} };
    }
    const names = (await readdir(dir)).sort();
    const present = new Set(names.filter((n) => n.endsWith(BATCH_SUFFIX)).map((n) => Number.parseInt(n, 10)));
    let forgotten = 0;
    for (const name of names) {
      if (name.endsWith(".tmp")) await rm(join(dir, name), { force: true }); // torn, never spooled
      if (!name.endsWith(BATCH_SUFFIX)) continue;
      const file = join(dir, name);
      try {
        const body = await readFile(file);
        const { header, lines } = await decodeBatch(body);
        const seq = Number.parseInt(name, 10);
        const sources = header.sources ?? {};
        // Its group's last batch never reached the disk (deleted once acked, it is in state.json).
        const end = header.groupEnd;
        if (end !== undefined && end > this.#durableSeq && !present.has(end)) {
          await rm(file, { force: true });
          this.#state.lastSeq = Math.max(this.#state.lastSeq, end); // the group's numbers are not given again
          forgotten++;
          continue;
        }
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
    if (forgotten > 0)
      this.#opts.log.warn(
        { batches: forgotten },
        "spool: batches of a write a crash cut short were deleted unsent; their sources read those records again",
      );
    this.#queue.sort((a, b) => a.seq - b.seq);
    this.#refreshStats();
    await this.#clampToDisk();
  }

  /** A bound the disk cannot hold would only turn into write failures: hold it to what is free. */
  async #clampToDisk(): Promise<void> {
    const room = this.#bytes + (await freeBytes(this.#opts.dir)) - (this.#opts.minFreeBytes ?? 0);
    if (this.#maxBytes <= room) return;
    const clamped = Math.max(0, room);
    this.#opts.log.warn(
      { spool: this.#opts.dir, maxBytes: this.#maxBytes, clampedTo: clamped },
      `--spool-max-size (${this.#maxBytes} bytes) is more than the spool's filesystem has free; using ${clamped} bytes (free space minus --spool-min-free)`,
    );
    this.#maxBytes = clamped;
  }

  /** Writes one batch. With the block policy, waits while the spool is full. */
  async append(
    records: FleetRecord[],
    cursors: Record<string, unknown>,
    sources: Record<string, number> = {},
  ): Promise<void> {
    await this.appendGroup([{ records, sources }], cursors);
  }

  /**
   * Writes several batches as one: the records of one read that is too big for one batch. Only
   * the last carries the cursors, which describe all of them; the others name it (`groupEnd`), so
   * open() forgets them when a crash came before it was written (the sources read them again
   * from the cursors before them). None is handed to a shipper before the last is on disk, so none
   * of a group cut short was stored. A failed write deletes the group's files and throws.
   */
  async appendGroup(
    parts: { records: FleetRecord[]; sources: Record<string, number> }[],
    cursors: Record<string, unknown>,
  ): Promise<void> {
    const first = this.#state.lastSeq + 1;
    const last = first + parts.length - 1;
    const written: SpooledBatch[] = [];
    let pending = 0; // bytes of the group on disk, not queued yet
    try {
      for (const [i, { records, sources }] of parts.entries()) {
        const seq = first + i;
        const batch = await this.#writeBatch(
          seq,
          records,
          seq === last ? cursors : {},
          sources,
          last,
          pending,
        );
        written.push(batch);
        pending += batch.bytes;
      }
    } catch (err) {
      // Until this resolves nothing changed: a failed write is retried whole by the caller, under
      // the same sequence numbers and file names.
      await Promise.all(written.map((b) => rm(b.file, { force: true }).catch(() => undefined)));
      throw err;
    }
    this.#state = { lastSeq: last, cursors: { ...this.#state.cursors, ...cursors } };
    // state.json first, the shipper after: once a shipped batch's file is deleted, state.json is
    // what holds its cursors, and a kill in between would make the sources read it all again.
    await this.#writeState();
    for (const batch of written) {
      this.#queue.push(batch);
      this.#bytes += batch.bytes;
    }
    this.#refreshStats();
    this.#wake();
  }

  /**
   * One batch file, tmp → fsync → rename; `groupEnd` names the group's last batch when it is not
   * this one. `pending`: bytes of the group already written, counted against the bound with it.
   */
  async #writeBatch(
    seq: number,
    records: FleetRecord[],
    cursors: Record<string, unknown>,
    sources: Record<string, number>,
    groupEnd: number,
    pending: number,
  ): Promise<SpooledBatch> {
    const header: BatchHeader = {
      v: 1,
      batchId: `${this.#collectorId}-${seq}`,
      collectorId: this.#collectorId,
      instance: this.instance,
      host: this.#opts.host,
      count: records.length,
      cursors,
      sources,
      ...(groupEnd !== seq ? { groupEnd } : {}),
    };
    const body = await encodeBatch(header, records);
    await this.#makeRoom(pending + body.length);
    await this.#checkFree(body.length);
    const file = join(this.#opts.dir, `${String(seq).padStart(12, "0")}${BATCH_SUFFIX}`);
    await writeFileAtomic(file, body);
    return { seq, id: header.batchId, file, bytes: body.length, count: records.length, sources };
  }

  /**
   * The batch file is what counts (open() takes cursors and the sequence from it), so a failed
   * state.json is not the batch's failure: it is logged and written again after the next batch.
   */
  async #writeState(): Promise<void> {
    try {
      const seq = this.#state.lastSeq;
      await writeFileAtomic(join(this.#opts.dir, STATE_FILE), JSON.stringify(this.#state));
      this.#stateDirty = false;
      this.#durableSeq = Math.max(this.#durableSeq, seq);
    } catch (err) {
      if (!this.#stateDirty)
        this.#opts.log.warn(
          { err: String(err) },
          "spool: state.json not written; retried with the next batch",
        );
      this.#stateDirty = true;
    }
  }

  /** Refuses a write that would leave less than --spool-min-free on the disk (or not fit at all). */
  async #checkFree(incoming: number): Promise<void> {
    const minFree = this.#opts.minFreeBytes ?? 0;
    const free = await freeBytes(this.#opts.dir);
    if (free - incoming >= minFree) return;
    const err = new Error(
      `the spool's filesystem has ${free} bytes free; a ${incoming}-byte batch would leave less than --spool-min-free (${minFree} bytes)`,
    ) as NodeJS.ErrnoException;
    err.code = "ENOSPC";
    throw err;
  }

  oldest(): SpooledBatch | undefined {
    return this.#queue[0];
  }

  /** Batches written and not acked yet (those being sent included). */
  get backlog(): number {
    return this.#queue.length;
  }

  /** Resolves at the queue's next change (a batch written, acked, released, set aside) or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve();
      }, ms);
      this.#waiters.push(waiter);
    });
  }

  /** The oldest batch no one is sending (and `accept` takes), now marked as being sent; undefined when none. */
  claim(accept?: (b: SpooledBatch) => boolean): SpooledBatch | undefined {
    const batch = this.#unclaimed(accept);
    if (batch) this.#claimed.add(batch);
    return batch;
  }

  /** The oldest batch no one is sending that `accept` takes (every one without it). */
  #unclaimed(accept?: (b: SpooledBatch) => boolean): SpooledBatch | undefined {
    return this.#queue.find((b) => !this.#claimed.has(b) && (accept?.(b) ?? true));
  }

  /** A send failed: the batch may be handed out again. */
  release(batch: SpooledBatch): void {
    this.#claimed.delete(batch);
    this.#wake();
  }

  read(batch: SpooledBatch): Promise<Buffer> {
    return readFile(batch.file);
  }

  /** Waits until there is a batch no one is sending that `accept` takes (or the signal aborts). */
  async waitForBatch(signal: AbortSignal, accept?: (b: SpooledBatch) => boolean): Promise<void> {
    while (!this.#unclaimed(accept) && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          resolve();
        };
        this.#waiters.push(done);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }

  /** The aggregator has the batch: forget it. */
  async ack(batch: SpooledBatch): Promise<void> {
    await this.#remove(batch);
  }

  /**
   * The aggregator will not take the batch: keep it in rejected/ for a person, out of the queue,
   * so the batches behind it ship. rejected/ is bounded; its oldest files are deleted first.
   */
  async setAside(batch: SpooledBatch): Promise<void> {
    const dir = join(this.#opts.dir, REJECTED_DIR);
    await rename(batch.file, join(dir, `${String(batch.seq).padStart(12, "0")}${BATCH_SUFFIX}`));
    this.stats.rejectedBatches++;
    await this.#remove(batch, false);
    await this.#boundRejected(dir);
  }

  async #boundRejected(dir: string): Promise<void> {
    const max = this.#opts.rejectedMaxBytes ?? Math.floor(this.#maxBytes / 10);
    const names = (await readdir(dir)).filter((n) => n.endsWith(BATCH_SUFFIX)).sort();
    const sizes = await Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
    let total = sizes.reduce((a, b) => a + b, 0);
    // The newest one always stays, however large: it is the one a person is about to look at.
    for (let i = 0; i < names.length - 1 && total > max; i++) {
      await rm(join(dir, names[i] as string), { force: true });
      total -= sizes[i] as number;
      this.stats.rejectedDropped++;
      this.#opts.log.warn({ file: names[i] }, "spool: rejected/ is full; deleted its oldest batch");
    }
  }

  async #remove(batch: SpooledBatch, unlink = true): Promise<void> {
    const i = this.#queue.indexOf(batch);
    if (i < 0) return;
    this.#queue.splice(i, 1);
    this.#claimed.delete(batch);
    this.#bytes -= batch.bytes;
    if (unlink) {
      // Its file is the only record of its cursors while state.json is behind it: kept then (a
      // restart ships it again, and the aggregator stores it once by its id), never re-read.
      if (batch.seq > this.#durableSeq) await this.#writeState();
      if (batch.seq <= this.#durableSeq) await rm(batch.file, { force: true });
    }
    this.#refreshStats();
    this.#wake();
  }

  async #makeRoom(incoming: number): Promise<void> {
    const { fullPolicy, log } = this.#opts;
    const maxBytes = this.#maxBytes;
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
    return loadOrCreateCollectorId(this.#opts.dir, this.#opts.host, this.#opts.log);
  }

  /**
   * Takes a new collector id for the batches written from now on: the aggregator refused this one
   * as another running collector's (a copied spool). Spooled batches keep theirs and still ship.
   */
  async renewCollectorId(): Promise<string> {
    this.#collectorId = await renewCollectorId(this.#opts.dir, this.#opts.host);
    return this.#collectorId;
  }
}
