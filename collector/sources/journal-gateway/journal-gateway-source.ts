// Other machines' journals as a source: one GatewayFollower per gateway, each read in batches
// (up to maxBatch entries or lingerMs after the first), mapped to LogRecords by the journald
// source's mapping and emitted with the cursors of every gateway, so a restart resumes each one
// right after what reached the spool.
//
// The records are the remote machine's: its host name (the entries' `_HOSTNAME`, or the name
// given with NAME=URL) and `journal.gateway` = the URL. Their `source` stays `journald`: they are
// journal entries, judged by the same trust rules (container fields only from that machine's
// dockerd, units only from its PID 1), and the aggregator's unit-failed rule reads them alike.
// This machine's container inventory and kernel are not theirs, so neither is consulted.

import type { FleetRecord } from "../../../protocol/records.ts";
import { journalSinceMicros } from "../journal-since.ts";
import {
  decodeField,
  entryCursor,
  type JournalEntry,
  journalEntryToLogRecord,
} from "../journald/journal-entry.ts";
import type { Source, SourceContext } from "../source.ts";
import type { GatewayTarget } from "./gateway-flags.ts";
import { GatewayFollower } from "./gateway-follower.ts";

export interface JournalGatewaySourceOptions {
  targets: readonly GatewayTarget[];
  /** For a gateway without a saved cursor: take entries from this time (--journal-gateway-since). */
  firstStartSince?: string;
  /** Default 500. */
  maxBatch?: number;
  /** Default 100 ms. */
  lingerMs?: number;
  /** Wait between retries when the pipeline rejects a batch: default 1 s. */
  emitRetryMs?: number;
  /** Passed to each follower (default MAX_GATEWAY_LINE_BYTES). */
  maxLineBytes?: number;
}

/** The spool's cursor of this source: each gateway's label → the `__CURSOR` of its last spooled entry. */
export type GatewayCursors = Record<string, string>;

export class JournalGatewaySource implements Source {
  readonly name = "journal-gateway";
  readonly #opts: JournalGatewaySourceOptions;
  #followers: GatewayFollower[] = [];
  #loops: Promise<void>[] = [];
  #stopping = false;
  /** Where each gateway stands as of everything emitted so far (kept for gateways no longer named). */
  #positions: GatewayCursors = {};

  constructor(opts: JournalGatewaySourceOptions) {
    this.#opts = opts;
  }

  /** The running followers, in the order of the targets (for tests). */
  get followers(): readonly GatewayFollower[] {
    return this.#followers;
  }

  async start(ctx: SourceContext): Promise<void> {
    if (this.#followers.length > 0) throw new Error("journal-gateway source already started");
    this.#stopping = false;
    this.#positions = savedCursors(ctx.cursor);
    const since = this.#opts.firstStartSince;
    const sinceMicros = since === undefined ? undefined : journalSinceMicros(since);
    for (const target of this.#opts.targets) {
      const log = ctx.log.child({ source: this.name, gateway: target.label });
      const cursor = this.#positions[target.label];
      const follower = new GatewayFollower({
        target,
        log,
        cursor,
        sinceMicros,
        maxLineBytes: this.#opts.maxLineBytes,
        skippedInput: ctx.skippedInput?.bind(ctx),
      });
      this.#followers.push(follower);
      log.info(
        { cursor: cursor ?? null, since: cursor ? null : (since ?? null) },
        "following a journal gateway",
      );
      follower.start();
      this.#loops.push(
        this.#run(ctx, target, follower).catch((err: unknown) => {
          log.error({ err }, "journal-gateway loop failed");
        }),
      );
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#followers.map((f) => f.stop()));
    await Promise.all(this.#loops); // emits what the followers already parsed
    this.#followers = [];
    this.#loops = [];
  }

  async #run(ctx: SourceContext, target: GatewayTarget, follower: GatewayFollower): Promise<void> {
    const maxBatch = this.#opts.maxBatch ?? 500;
    const lingerMs = this.#opts.lingerMs ?? 100;
    for (;;) {
      const batch = await follower.readBatch(maxBatch, lingerMs);
      if (!batch) return;
      const records = batch.map((entry): FleetRecord => toRecord(entry, target));
      const cursor = lastCursor(batch);
      // Every gateway's position rides along, set as these records are handed over: the pipeline
      // keeps records in emit order, so the cursors it saves cover exactly what it spooled.
      if (cursor) this.#positions = { ...this.#positions, [target.label]: cursor };
      if (!(await this.#emit(ctx, records, { ...this.#positions }))) return;
    }
  }

  /** Hands a batch over, retrying a refusal (the follower stays paused meanwhile); false once stopping. */
  async #emit(ctx: SourceContext, records: FleetRecord[], cursors: GatewayCursors): Promise<boolean> {
    const retryMs = this.#opts.emitRetryMs ?? 1000;
    for (;;) {
      try {
        await ctx.emit(records, cursors);
        return true;
      } catch (err) {
        if (this.#stopping) {
          ctx.log.warn(
            { err, records: records.length },
            "emit failed while stopping; they are reread on restart",
          );
          return false;
        }
        ctx.log.error({ err, retryInMs: retryMs }, "emit failed; retrying the batch");
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  }
}

/** One entry → a record of the machine it came from. */
export function toRecord(entry: JournalEntry, target: GatewayTarget): FleetRecord {
  const host = target.name || decodeField(entry._HOSTNAME)?.text || new URL(target.url).hostname;
  const record = journalEntryToLogRecord(entry, host);
  record.attributes["journal.gateway"] = target.label;
  return record;
}

/** The spool's cursor value → the cursors it holds; anything malformed is left out. */
export function savedCursors(saved: unknown): GatewayCursors {
  const out: GatewayCursors = {};
  if (typeof saved !== "object" || saved === null || Array.isArray(saved)) return out;
  for (const [label, cursor] of Object.entries(saved))
    if (typeof cursor === "string" && cursor !== "") out[label] = cursor;
  return out;
}

function lastCursor(batch: JournalEntry[]): string | undefined {
  for (let i = batch.length - 1; i >= 0; i--) {
    const c = entryCursor(batch[i] as JournalEntry);
    if (c) return c;
  }
  return undefined;
}
