// Frames → records → ctx.emit, for every socket of the receiver. Batches go through one queue,
// so records are emitted in the order their bytes arrived, and a batch whose tags the inventory
// does not know yet can wait for it (container-tag.ts) without reordering anything.
import { isUtf8 } from "node:buffer";
import type { LogRecord } from "../../../protocol/records.ts";
import type { SourceContext } from "../../sources/source.ts";
import type { InputReporter } from "../net/input-reporter.ts";
import type { ContainerTags } from "./container-tag.ts";
import type { Frame } from "./framer.ts";
import { parseSyslog } from "./message.ts";
import { SYSLOG_INPUT } from "./metrics.ts";
import { type Received, toLogRecord } from "./to-record.ts";

export interface IngestOptions {
  maxLineBytes: number;
  /** How long a batch may wait for the inventory to learn a new container. */
  identityWaitMs: number;
  /** Batches queued beyond this skip that wait (the queue must drain, not grow). */
  maxQueued: number;
}

export class SyslogIngest {
  readonly #ctx: SourceContext;
  readonly #tags: ContainerTags;
  readonly #malformed: InputReporter;
  readonly #o: IngestOptions;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Tie-breaker within one timestamp (RFC 3164 has whole seconds): arrival order, rising across restarts. */
  #seq = Date.now() * 1000;

  constructor(ctx: SourceContext, tags: ContainerTags, malformed: InputReporter, o: IngestOptions) {
    this.#ctx = ctx;
    this.#tags = tags;
    this.#malformed = malformed;
    this.#o = o;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Parses now (rejecting malformed frames one by one), emits in turn; resolves once emitted. */
  ingest(frames: Frame[], peer: string): Promise<void> {
    const receivedAt = new Date();
    const batch: Received[] = [];
    for (const f of frames) {
      const text = f.bytes.toString("utf8");
      const r = parseSyslog(text, receivedAt);
      if (r.ok) batch.push({ message: r.message, truncated: f.truncated, invalidUtf8: !isUtf8(f.bytes) });
      else
        this.#malformed.report(SYSLOG_INPUT.invalidMessage, r.reason, {
          peer,
          sample: f.bytes,
          bytes: f.bytes.length,
        });
    }
    if (batch.length === 0) return this.#queue;
    const wait = this.#queued < this.#o.maxQueued ? this.#o.identityWaitMs : 0;
    this.#queued++;
    this.#queue = this.#queue
      .then(() => this.#emit(batch, receivedAt, wait))
      .catch((err) => this.#ctx.log.error({ err }, "syslog: emitting records failed"))
      .finally(() => this.#queued--);
    return this.#queue;
  }

  /** Resolves once everything handed in so far is emitted. */
  drain(): Promise<void> {
    return this.#queue;
  }

  async #emit(batch: Received[], receivedAt: Date, waitMs: number): Promise<void> {
    if (waitMs > 0)
      await this.#tags.settle(
        batch.map((r) => r.message.appName),
        waitMs,
      );
    const records: LogRecord[] = batch.map((r) =>
      toLogRecord(r, this.#tags.lookup(r.message.appName), {
        host: this.#ctx.host,
        maxLineBytes: this.#o.maxLineBytes,
        receivedAt,
        seq: this.#seq++,
      }),
    );
    await this.#ctx.emit(records);
  }
}
