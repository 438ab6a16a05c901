// Follows the journal through `journalctl -o json` children: no native journal reader exists
// for Node, and journalctl's cursor handling gives exact resumption (--after-cursor returns
// precisely the entries after the saved one).
//
// Each (re)start reads in two steps. `--follow` (systemd 252) shows the current boot only, unless
// --merge: a follower alone would never read the boots before this one — on a first start, and
// after a reboot the end of the previous boot past the saved cursor, the lines that say why the
// machine went down. So a first child reads without --follow to the end of every boot and exits;
// then a follower resumes after the last entry it read.
//
// Consumers pull with readBatch() (or `for await`). Parsed entries wait in a bounded queue; when
// it is full the child's stdout is paused, so a slow consumer stalls journalctl (whose writes
// block on the pipe) instead of growing our memory.

import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "pino";
import { WaitingQueue } from "../waiting-queue.ts";
import { entryCursor, type JournalEntry, parseEntryLine } from "./journal-entry.ts";

export interface JournalReaderOptions {
  log: Logger;
  /** Resume after this `__CURSOR`; without it the whole retained journal is read (--no-tail). */
  cursor?: string;
  /** Default `journalctl` (from PATH). */
  journalctlPath?: string;
  /** Appended to the command line, e.g. `--directory=/var/log/journal`, `--merge`, `--output-fields=…`. */
  extraArgs?: readonly string[];
  /** A longer line is skipped (and counted): default 16 MiB. */
  maxLineBytes?: number;
  /** Entries buffered before stdout is paused: default 2000. */
  highWaterEntries?: number;
  /** Restart backoff after an unexpected exit: doubles from min to max, default 250 ms … 30 s. */
  restartMinMs?: number;
  restartMaxMs?: number;
  /** Grace period between SIGTERM and SIGKILL on stop: default 2 s. */
  killTimeoutMs?: number;
}

export interface JournalReaderStats {
  entries: number;
  oversizedLines: number;
  unparseableLines: number;
  restarts: number;
  /** Times stdout was paused because the consumer fell behind. */
  pauses: number;
}

const STDERR_KEEP = 4096;

export class JournalReader implements AsyncIterable<JournalEntry> {
  readonly #log: Logger;
  readonly #path: string;
  readonly #extraArgs: readonly string[];
  readonly #maxLineBytes: number;
  readonly #highWater: number;
  readonly #restartMinMs: number;
  readonly #restartMaxMs: number;
  readonly #killTimeoutMs: number;

  /** Cursor of the last entry parsed (queued or delivered): where a restarted child resumes. */
  #cursor: string | undefined;
  readonly #queue = new WaitingQueue<JournalEntry>();
  #child: ChildProcess | undefined;
  #childClosed: Promise<void> = Promise.resolve();
  #paused = false;
  #started = false;
  #stopping = false;
  /** Whether the running (or next) child follows; false while it catches up across boots. */
  #following = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #backoffMs: number;
  // Line assembly across chunks.
  #pieces: Buffer[] = [];
  #pieceBytes = 0;
  #discarding = false;

  readonly stats: JournalReaderStats = {
    entries: 0,
    oversizedLines: 0,
    unparseableLines: 0,
    restarts: 0,
    pauses: 0,
  };

  constructor(opts: JournalReaderOptions) {
    this.#log = opts.log;
    this.#cursor = opts.cursor || undefined;
    this.#path = opts.journalctlPath ?? "journalctl";
    this.#extraArgs = opts.extraArgs ?? [];
    this.#maxLineBytes = opts.maxLineBytes ?? 16 * 1024 * 1024;
    this.#highWater = opts.highWaterEntries ?? 2000;
    this.#restartMinMs = opts.restartMinMs ?? 250;
    this.#restartMaxMs = opts.restartMaxMs ?? 30_000;
    this.#killTimeoutMs = opts.killTimeoutMs ?? 2000;
    this.#backoffMs = this.#restartMinMs;
  }

  /** The cursor of the last entry read from journalctl (not necessarily consumed yet). */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** PID of the running journalctl, if any (for diagnostics and tests). */
  get childPid(): number | undefined {
    return this.#child?.pid;
  }

  /** The command line the next child runs with. */
  args(): string[] {
    // --all: without it fields over 4096 bytes come out as null. --no-tail: with --follow
    // journalctl would otherwise start at the last 10 entries.
    const args = ["-o", "json", "--all", "--no-pager", ...(this.#following ? ["--follow", "--no-tail"] : [])];
    if (this.#cursor) args.push(`--after-cursor=${this.#cursor}`);
    return [...args, ...this.#extraArgs];
  }

  start(): void {
    if (this.#started) throw new Error("journal reader already started");
    this.#started = true;
    this.#spawn();
  }

  /** Kills journalctl and waits for it; queued entries can still be read, then iteration ends. */
  async stop(): Promise<void> {
    if (this.#stopping) return this.#childClosed;
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      // Unread pipe data is dropped: the cursor only covers parsed entries, so a resume re-reads it.
      child.stdout?.destroy();
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), this.#killTimeoutMs);
      await this.#childClosed;
      clearTimeout(killer);
    } else {
      await this.#childClosed;
    }
    this.#wakeUp();
  }

  /** Entries waiting to be read. */
  get queued(): number {
    return this.#queue.length;
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
    if (this.queued < max && !this.#stopping && lingerMs > 0) {
      const deadline = Date.now() + lingerMs;
      while (this.queued < max && !this.#stopping) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await this.#queue.wait(left);
      }
    }
    return this.#take(max);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JournalEntry> {
    for (;;) {
      const batch = await this.readBatch(this.#highWater, 0);
      if (!batch) return;
      yield* batch;
    }
  }

  #take(max: number): JournalEntry[] {
    const out = this.#queue.take(max);
    if (this.#paused && this.queued <= this.#highWater / 2) {
      this.#paused = false;
      this.#child?.stdout?.resume();
    }
    return out;
  }

  #wakeUp(): void {
    this.#queue.wake();
  }

  #spawn(): void {
    const args = this.args();
    const startedAt = Date.now();
    const entriesBefore = this.stats.entries;
    const resumedWith = this.#cursor;
    this.#pieces = [];
    this.#pieceBytes = 0;
    this.#discarding = false;
    this.#paused = false;

    const child = spawn(this.#path, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    let stderr = "";
    let spawnError: Error | undefined;
    child.stdout.on("data", (chunk: Buffer) => this.#onData(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (s: string) => {
      stderr = (stderr + s).slice(-STDERR_KEEP);
    });
    child.on("error", (err) => {
      spawnError = err;
    });
    this.#childClosed = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        this.#child = undefined;
        resolve();
        if (this.#stopping) return;
        if (!this.#following && code === 0 && !spawnError) {
          // Caught up with every boot: follow from here (the cursor of the last entry read).
          this.#following = true;
          this.#spawn();
          return;
        }
        this.#following = false; // a restart catches up again, across a reboot in between too
        this.#onUnexpectedExit({
          code,
          signal,
          stderr: stderr.trim(),
          spawnError,
          ranMs: Date.now() - startedAt,
          gotEntries: this.stats.entries > entriesBefore,
          resumedWith,
        });
      });
    });
    this.#log.debug({ cmd: this.#path, args }, "journalctl started");
  }

  #onUnexpectedExit(x: {
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
    spawnError: Error | undefined;
    ranMs: number;
    gotEntries: boolean;
    resumedWith: string | undefined;
  }): void {
    // An incomplete last line is dropped; the cursor still points at the last complete entry.
    if (x.gotEntries || x.ranMs > 10_000) this.#backoffMs = this.#restartMinMs;
    // A cursor journalctl rejects would fail forever: fall back to reading the whole journal
    // (duplicates are better than losing entries). A cursor that merely points at vacuumed
    // entries is accepted by journalctl, which then starts at the oldest retained entry.
    if (!x.gotEntries && x.resumedWith && x.resumedWith === this.#cursor && /cursor/i.test(x.stderr)) {
      this.#log.error(
        { cursor: x.resumedWith, stderr: x.stderr },
        "journalctl rejected the saved cursor; rereading the whole journal",
      );
      this.#cursor = undefined;
    }
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#restartMaxMs);
    this.stats.restarts++;
    this.#log.warn(
      {
        code: x.code,
        signal: x.signal,
        err: x.spawnError,
        stderr: x.stderr,
        ranMs: x.ranMs,
        restartInMs: delay,
        cursor: this.#cursor,
      },
      "journalctl exited unexpectedly; restarting from the last cursor",
    );
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) this.#spawn();
    }, delay);
  }

  #onData(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.#appendPiece(chunk.subarray(start));
        break;
      }
      const tail = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.#discarding) {
        this.#discarding = false;
        continue;
      }
      if (this.#pieceBytes + tail.length > this.#maxLineBytes) {
        this.#skipOversized(this.#pieceBytes + tail.length);
        this.#discarding = false;
        continue;
      }
      let line: Buffer = tail;
      if (this.#pieces.length > 0) {
        this.#pieces.push(tail);
        line = Buffer.concat(this.#pieces, this.#pieceBytes + tail.length);
        this.#pieces = [];
        this.#pieceBytes = 0;
      }
      this.#onLine(line);
    }
    if (this.queued > 0) this.#wakeUp();
    if (!this.#paused && this.queued >= this.#highWater && this.#child) {
      this.#paused = true;
      this.stats.pauses++;
      this.#child.stdout?.pause();
    }
  }

  #appendPiece(piece: Buffer): void {
    if (this.#discarding || piece.length === 0) return;
    if (this.#pieceBytes + piece.length > this.#maxLineBytes) {
      this.#skipOversized(this.#pieceBytes + piece.length);
      this.#discarding = true; // until the next newline
      return;
    }
    this.#pieces.push(Buffer.from(piece)); // copy: the chunk's memory is reused by the stream
    this.#pieceBytes += piece.length;
  }

  #skipOversized(bytes: number): void {
    this.stats.oversizedLines++;
    this.#log.warn(
      { bytes, maxLineBytes: this.#maxLineBytes, after: this.#cursor },
      "journal entry line exceeds the size bound; skipped",
    );
    this.#pieces = [];
    this.#pieceBytes = 0;
  }

  #onLine(line: Buffer): void {
    if (line.length === 0) return;
    const parsed = parseEntryLine(line);
    if ("unparseable" in parsed) {
      this.#unparseable(line, parsed.unparseable);
      return;
    }
    const e = parsed.entry;
    const cursor = entryCursor(e);
    if (cursor) this.#cursor = cursor;
    this.stats.entries++;
    this.#queue.push(e);
  }

  #unparseable(line: Buffer, reason: string): void {
    this.stats.unparseableLines++;
    this.#log.warn(
      { reason, bytes: line.length, start: line.subarray(0, 200).toString("utf8"), after: this.#cursor },
      "unparseable journalctl line; skipped",
    );
  }
}
