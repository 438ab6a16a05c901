// The journal as a source: entries from a JournalReader, batched (up to maxBatch entries or
// lingerMs after the first one), mapped to LogRecords and emitted with the `__CURSOR` of the
// batch's last entry, so a restart resumes right after what reached the spool.

import type { FleetRecord } from "../../../protocol/records.ts";
import { journalctlSince } from "../journal-since.ts";
import type { Source, SourceContext } from "../source.ts";
import { entryCursor, journalEntryToLogRecord } from "./journal-entry.ts";
import { JournalReader } from "./journal-reader.ts";
import { KernelOomReader } from "./kernel-oom.ts";
import { JOURNALD_INPUT } from "./metrics.ts";

export interface JournaldSourceOptions {
  journalctlPath?: string;
  /** Extra journalctl arguments, e.g. `--directory=/var/log/journal` or `--merge`. */
  extraArgs?: readonly string[];
  /**
   * On a first start (no saved cursor), read from this time instead of the whole retained
   * journal: journalctl's --since syntax (`now`, `-1h`, `2026-11-22 00:00:00`); a relative one
   * is the instant the source was made.
   */
  firstStartSince?: string;
  /** Default 500. */
  maxBatch?: number;
  /** Default 100 ms. */
  lingerMs?: number;
  /** Passed to JournalReader (default 16 MiB). */
  maxLineBytes?: number;
  /** Wait between retries when the pipeline rejects a batch: default 1 s. */
  emitRetryMs?: number;
}

export class JournaldSource implements Source {
  readonly name = "journald";
  readonly #opts: JournaldSourceOptions;
  #reader: JournalReader | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  /** Turns the kernel's OOM lines into one `oom-kill` event per killed process. */
  readonly #kernelOoms = new KernelOomReader();

  constructor(opts: JournaldSourceOptions = {}) {
    // The since is fixed now: each journalctl the reader starts would read "now" again.
    const since = opts.firstStartSince;
    this.#opts = since === undefined ? opts : { ...opts, firstStartSince: journalctlSince(since) };
  }

  /** The running reader (for stats and tests). */
  get reader(): JournalReader | undefined {
    return this.#reader;
  }

  async start(ctx: SourceContext): Promise<void> {
    if (this.#reader) throw new Error("journald source already started");
    const log = ctx.log.child({ source: this.name });
    const cursor = typeof ctx.cursor === "string" && ctx.cursor !== "" ? ctx.cursor : undefined;
    const reader = new JournalReader({
      log,
      cursor,
      journalctlPath: this.#opts.journalctlPath,
      extraArgs: [
        ...(this.#opts.extraArgs ?? []),
        ...(!cursor && this.#opts.firstStartSince ? [`--since=${this.#opts.firstStartSince}`] : []),
      ],
      maxLineBytes: this.#opts.maxLineBytes,
    });
    this.#reader = reader;
    this.#stopping = false;
    log.info({ cursor: cursor ?? null, args: reader.args() }, "reading the journal");
    reader.start();
    this.#loop = this.#run(ctx, reader, log).catch((err: unknown) => {
      log.error({ err }, "journald source loop failed");
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#reader?.stop();
    await this.#loop; // drains what the reader already parsed
    this.#reader = undefined;
    this.#loop = undefined;
  }

  async #run(ctx: SourceContext, reader: JournalReader, log: SourceContext["log"]): Promise<void> {
    const maxBatch = this.#opts.maxBatch ?? 500;
    const lingerMs = this.#opts.lingerMs ?? 100;
    const retryMs = this.#opts.emitRetryMs ?? 1000;
    const seen = { oversized: 0, unparseable: 0 };
    for (;;) {
      const batch = await reader.readBatch(maxBatch, lingerMs);
      if (!batch) return;
      const { oversizedLines, unparseableLines } = reader.stats;
      if (oversizedLines > seen.oversized)
        ctx.skippedInput?.(JOURNALD_INPUT.oversizedLine, oversizedLines - seen.oversized);
      if (unparseableLines > seen.unparseable)
        ctx.skippedInput?.(JOURNALD_INPUT.invalidJson, unparseableLines - seen.unparseable);
      seen.oversized = oversizedLines;
      seen.unparseable = unparseableLines;
      const records: FleetRecord[] = [];
      let cursor: string | undefined;
      for (const entry of batch) {
        const rec = journalEntryToLogRecord(entry, ctx.host);
        if (rec.containerId !== "" && (rec.image === "" || rec.containerName === "")) {
          // Older Docker versions omit IMAGE_NAME: fill from the inventory when it knows the container.
          const info = ctx.inventory.get(rec.containerId);
          if (info) {
            rec.image ||= info.image;
            rec.containerName ||= info.name;
          }
        }
        records.push(rec);
        const oomKill = this.#kernelOoms.observe(rec, ctx.inventory);
        if (oomKill) records.push(oomKill);
        cursor = entryCursor(entry) ?? cursor;
      }
      // Retry rather than drop: the reader stays paused meanwhile, so nothing is lost.
      for (;;) {
        try {
          await ctx.emit(records, cursor);
          break;
        } catch (err) {
          if (this.#stopping) {
            log.warn(
              { err, records: records.length },
              "emit failed while stopping; they are reread on restart",
            );
            return;
          }
          log.error({ err, retryInMs: retryMs }, "emit failed; retrying the batch");
          await new Promise((r) => setTimeout(r, retryMs));
        }
      }
    }
  }
}
