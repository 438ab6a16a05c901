// Follows one systemd-journal-gatewayd: `GET /entries?follow` with `Accept: application/json`
// (one JSON object per line, as `journalctl -o json` prints them) and, after the first entry,
// `Range: entries=<cursor>` to resume.
//
// gatewayd seeks to the cursor and answers starting WITH that entry (measured on systemd 252:
// test/fixtures/journal-gateway/SOURCE.md). `entries=<cursor>:1:` would skip it there, but a
// single `:1` is a count that ends the answer, and systemd's current source refuses an empty
// count. So the resume asks for the cursor alone and drops the entry it already has when it
// comes first (if that entry was vacuumed meanwhile, the answer starts at the next one and
// nothing is dropped).
//
// Consumers pull with readBatch(). Parsed entries wait in a queue bounded by count and bytes; a
// full queue pauses the response (TCP then stalls the gateway) instead of growing memory. A line
// over the bound is skipped and counted (LineSplitter). A lost connection is retried from the
// cursor of the last entry parsed, with back-off.

import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Logger } from "pino";
import type { InputIssue } from "../../input-issues.ts";
import { decodeField, entryCursor, type JournalEntry, parseEntryLine } from "../journald/journal-entry.ts";
import { WaitingQueue } from "../waiting-queue.ts";
import type { GatewayTarget } from "./gateway-flags.ts";
import { LineSplitter } from "./line-splitter.ts";
import { GATEWAY_INPUT } from "./metrics.ts";

/**
 * The longest line taken from a gateway. gatewayd prints a field of 4096 bytes or more as null,
 * and journald keeps an entry under 768 KiB, so a real entry's line stays far below this even
 * with every byte escaped.
 */
export const MAX_GATEWAY_LINE_BYTES = 4 * 1024 * 1024;

export interface GatewayFollowerOptions {
  target: GatewayTarget;
  log: Logger;
  /** Resume after this `__CURSOR`; without it the gateway starts at its oldest entry. */
  cursor?: string;
  /** Without a cursor: entries older than this (µs since the epoch) are passed over. */
  sinceMicros?: bigint;
  /** Default MAX_GATEWAY_LINE_BYTES. */
  maxLineBytes?: number;
  /** Queued entries, and their bytes, at which the response is paused: default 2000 and 16 MiB. */
  highWaterEntries?: number;
  highWaterBytes?: number;
  /** Reconnect back-off: doubles from min to max, default 250 ms … 30 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Counts what was skipped, as it is skipped (SourceContext.skippedInput). */
  skippedInput?(issue: InputIssue, count: number): void;
}

export interface GatewayFollowerStats {
  entries: number;
  oversizedLines: number;
  unparseableLines: number;
  /** Connections lost (or refused) and tried again. */
  reconnects: number;
  /** Times the response was paused because the consumer fell behind. */
  pauses: number;
}

interface Queued {
  entry: JournalEntry;
  bytes: number;
}

/** What the gateway said when it refused, kept for the log line. */
const KEEP_ERROR_BODY = 1024;

export class GatewayFollower {
  readonly #target: GatewayTarget;
  readonly #log: Logger;
  readonly #splitter: LineSplitter;
  readonly #maxLineBytes: number;
  readonly #highWaterEntries: number;
  readonly #highWaterBytes: number;
  readonly #reconnectMinMs: number;
  readonly #reconnectMaxMs: number;
  #backoffMs: number;
  #cursor: string | undefined;
  #sinceMicros: bigint | undefined;
  /** The entry a resumed answer starts with, already read. */
  #echo: string | undefined;
  readonly #queue = new WaitingQueue<Queued>();
  #queuedBytes = 0;
  #request: ClientRequest | undefined;
  #response: IncomingMessage | undefined;
  #paused = false;
  #started = false;
  #stopping = false;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #skippedInput: (issue: InputIssue, count: number) => void;

  readonly stats: GatewayFollowerStats = {
    entries: 0,
    oversizedLines: 0,
    unparseableLines: 0,
    reconnects: 0,
    pauses: 0,
  };

  constructor(opts: GatewayFollowerOptions) {
    this.#target = opts.target;
    this.#log = opts.log;
    this.#cursor = opts.cursor || undefined;
    this.#sinceMicros = this.#cursor ? undefined : opts.sinceMicros;
    this.#maxLineBytes = opts.maxLineBytes ?? MAX_GATEWAY_LINE_BYTES;
    this.#splitter = new LineSplitter(this.#maxLineBytes);
    this.#highWaterEntries = opts.highWaterEntries ?? 2000;
    this.#highWaterBytes = opts.highWaterBytes ?? 16 * 1024 * 1024;
    this.#reconnectMinMs = opts.reconnectMinMs ?? 250;
    this.#reconnectMaxMs = opts.reconnectMaxMs ?? 30_000;
    this.#backoffMs = this.#reconnectMinMs;
    this.#skippedInput = opts.skippedInput ?? (() => {});
  }

  /** The cursor of the last entry parsed (queued or delivered): where a reconnect resumes. */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** Entries waiting to be read, and the bytes of their lines. */
  get queued(): number {
    return this.#queue.length;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Bytes held: queued lines and an unfinished one. */
  get heldBytes(): number {
    return this.#queuedBytes + this.#splitter.buffered;
  }

  start(): void {
    if (this.#started) throw new Error("gateway follower already started");
    this.#started = true;
    this.#connect();
  }

  /** Closes the connection; queued entries can still be read, then readBatch answers undefined. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#retryTimer);
    this.#request?.destroy();
    this.#queue.wake();
  }

  /**
   * Waits for at least one entry, then up to `lingerMs` more for the batch to reach `max`.
   * Returns undefined once stopped and drained.
   */
  async readBatch(max: number, lingerMs: number): Promise<JournalEntry[] | undefined> {
    while (this.queued === 0) {
      if (this.#stopping) return undefined;
      await this.#queue.wait();
    }
    const deadline = Date.now() + lingerMs;
    while (this.queued < max && !this.#stopping && Date.now() < deadline)
      await this.#queue.wait(deadline - Date.now());
    return this.#take(max);
  }

  #take(max: number): JournalEntry[] {
    const taken = this.#queue.take(max);
    for (const q of taken) this.#queuedBytes -= q.bytes;
    const lowEntries = this.queued <= this.#highWaterEntries / 2;
    if (this.#paused && lowEntries && this.#queuedBytes <= this.#highWaterBytes / 2) {
      this.#paused = false;
      this.#response?.resume();
    }
    return taken.map((q) => q.entry);
  }

  /** The follow request for the current cursor. */
  #connect(): void {
    const resumeAt = this.#cursor;
    this.#echo = resumeAt;
    this.#splitter.reset();
    const url = entriesUrl(this.#target.url);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (resumeAt) headers.Range = `entries=${resumeAt}`;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { headers, agent: false });
    this.#request = req;
    const connection = { startedAt: Date.now(), entriesBefore: this.stats.entries, resumeAt };
    let ended = false;
    const lost = (why: string) => {
      if (ended) return;
      ended = true;
      this.#response = undefined;
      this.#request = undefined;
      if (!this.#stopping) this.#reconnectLater(why, connection);
    };
    // A silent network never closes the socket: TCP keep-alive finds the dead peer.
    req.on("socket", (socket) => socket.setKeepAlive(true, 30_000));
    req.on("error", (err) => lost(err.message));
    req.on("close", () => lost("the gateway closed the connection"));
    req.on("response", (res) => {
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        this.#refused(res, resumeAt, lost);
        return;
      }
      this.#response = res;
      this.#paused = false;
      res.on("data", (chunk: Buffer) => this.#onData(chunk));
      res.on("error", (err) => lost(err.message));
      res.on("close", () => lost("the gateway ended its answer"));
    });
    req.end();
    this.#log.debug({ gateway: this.#target.label, cursor: resumeAt ?? null }, "following the gateway");
  }

  /** A non-2xx answer, logged with its start; a refused cursor is given up for the whole journal. */
  #refused(res: IncomingMessage, resumeAt: string | undefined, lost: (why: string) => void): void {
    // gatewayd answers 400 to a cursor it cannot seek to: asking again would fail forever, so the
    // whole journal is read instead (duplicates are better than losing entries).
    const cursorRefused = res.statusCode === 400 && resumeAt !== undefined && resumeAt === this.#cursor;
    if (cursorRefused) this.#cursor = undefined;
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (s: string) => {
      body = (body + s).slice(0, KEEP_ERROR_BODY);
    });
    res.on("end", () => {
      const answer = `HTTP ${res.statusCode}: ${body.trim()}`;
      const gateway = this.#target.label;
      if (cursorRefused)
        this.#log.error(
          { gateway, cursor: resumeAt, answer },
          "the gateway refused the saved cursor; rereading all it holds",
        );
      else
        this.#log.error(
          { gateway, answer },
          "the journal gateway answered with an error; is the URL a systemd-journal-gatewayd?",
        );
      lost(answer);
    });
    res.resume();
  }

  #reconnectLater(
    why: string,
    c: { startedAt: number; entriesBefore: number; resumeAt: string | undefined },
  ): void {
    if (this.stats.entries > c.entriesBefore || Date.now() - c.startedAt > 10_000)
      this.#backoffMs = this.#reconnectMinMs;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#reconnectMaxMs);
    this.stats.reconnects++;
    this.#log.warn(
      { gateway: this.#target.label, reason: why, retryInMs: delay, cursor: this.#cursor ?? null },
      "lost the journal gateway; reconnecting from the last cursor",
    );
    this.#retryTimer = setTimeout(() => {
      if (!this.#stopping) this.#connect();
    }, delay);
  }

  #onData(chunk: Buffer): void {
    const { lines, oversized } = this.#splitter.push(chunk);
    for (const bytes of oversized) {
      this.stats.oversizedLines++;
      this.#skippedInput(GATEWAY_INPUT.oversizedLine, 1);
      this.#log.warn(
        { gateway: this.#target.label, bytes, maxLineBytes: this.#maxLineBytes, after: this.#cursor ?? null },
        "a line from the journal gateway exceeds the size bound; skipped",
      );
    }
    for (const line of lines) this.#onLine(line);
    if (this.queued > 0) this.#queue.wake();
    const full = this.queued >= this.#highWaterEntries || this.#queuedBytes >= this.#highWaterBytes;
    if (full && !this.#paused && this.#response) {
      this.#paused = true;
      this.stats.pauses++;
      this.#response.pause();
    }
  }

  #onLine(line: Buffer): void {
    const parsed = parseEntryLine(line);
    if ("unparseable" in parsed) {
      this.#unparseable(line, parsed.unparseable);
      return;
    }
    const e = parsed.entry;
    const cursor = entryCursor(e);
    const echo = this.#echo;
    this.#echo = undefined;
    if (cursor && cursor === echo) return;
    if (cursor) this.#cursor = cursor;
    if (this.#before(e)) return;
    this.stats.entries++;
    this.#queue.push({ entry: e, bytes: line.length });
    this.#queuedBytes += line.length;
  }

  /** On a first start with a since: whether the entry is older (and so passed over). */
  #before(entry: JournalEntry): boolean {
    if (this.#sinceMicros === undefined) return false;
    const t = decodeField(entry.__REALTIME_TIMESTAMP)?.text ?? "";
    if (/^\d{1,19}$/.test(t) && BigInt(t) < this.#sinceMicros) return true;
    this.#sinceMicros = undefined; // the journal is in time order from here on
    return false;
  }

  #unparseable(line: Buffer, reason: string): void {
    this.stats.unparseableLines++;
    this.#skippedInput(GATEWAY_INPUT.invalidJson, 1);
    this.#log.warn(
      {
        gateway: this.#target.label,
        reason,
        bytes: line.length,
        start: line.subarray(0, 200).toString("utf8"),
        after: this.#cursor ?? null,
      },
      "unparseable line from the journal gateway; skipped",
    );
  }
}

/** `<url>/entries?follow`, keeping a path prefix a proxy in front of gatewayd may add. */
export function entriesUrl(base: string): URL {
  const url = new URL(base);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  const entries = new URL("entries", url);
  entries.search = "follow";
  return entries;
}
