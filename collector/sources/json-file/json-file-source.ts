// Container output from Docker's json-file log driver: one tailer per container in the
// inventory, polled together. Each emit carries the lines read since the last one and the whole
// cursor map, so a restart resumes each container exactly where the spool left off.

import { type FSWatcher, watch } from "node:fs";
import { dirname } from "node:path";
import type { LogRecord } from "../../../protocol/records.ts";
import type { ContainerInfo } from "../../docker/container-info.ts";
import { TRUNCATED_BYTES_ATTRIBUTE } from "../../processors/truncate.ts";
import type { Source, SourceContext } from "../source.ts";
import { type FilePosition, JsonFileTailer, type TailedLine } from "./json-file-tailer.ts";
import { JSON_FILE_INPUT } from "./metrics.ts";

export interface JsonFileLogSourceOptions {
  /** How often a container without an inotify watch is read (default 1 s). */
  pollIntervalMs?: number;
  /** How often every container is read anyway, for what a watch missed (default 10 s). */
  safetyPollMs?: number;
  maxRecordBytes?: number;
}

/** The source's cursor: one file position per container. */
export type JsonFileCursor = Record<string, FilePosition>;

/** Saved positions of containers not (yet) in the inventory are kept this long, then dropped. */
const UNCLAIMED_CURSOR_TTL_MS = 10 * 60_000;

interface Tailed {
  info: ContainerInfo;
  tailer: JsonFileTailer;
  /** inotify on the container's log directory: a write or a rotation wakes the source. */
  watcher: FSWatcher | undefined;
  /** Set by the inventory's `removed`: drain to EOF on the next poll, then close. */
  removed: boolean;
}

/**
 * What one read of a container that is not behind takes while the pacer holds the flood back: a
 * few hundred lines. More left makes it "behind" too, so the pacer bounds the spool still.
 */
const QUIET_POLL_BYTES = 64 * 1024;

/**
 * What a poll reads of the files before it emits, across containers (one read takes what is left):
 * 1 to 3 spool batches. One emit of many containers' backlog was one group of up to 15 batches
 * that all waited for the last one (pipeline.ts); emitted this way, each group is shipped as it
 * is written, and a paced poll can stop between containers.
 */
const EMIT_BYTES = 1024 * 1024;

export class JsonFileLogSource implements Source {
  readonly name = "docker-json";
  readonly #pollIntervalMs: number;
  readonly #safetyPollMs: number;
  readonly #maxRecordBytes: number | undefined;
  readonly #tailed = new Map<string, Tailed>();
  #ctx: SourceContext | undefined;
  /** Positions from ctx.cursor not yet taken by a tailer. */
  #saved = new Map<string, FilePosition>();
  #savedUntil = 0;
  /** Containers whose directory changed since their last poll. */
  readonly #dirty = new Set<string>();
  /** Containers whose last poll left lines unread (a flood, a backlog): the pacer paces these. */
  readonly #behind = new Set<string>();
  /** Resolves the loop's wait early (a wake or stop). */
  #wakeLoop: (() => void) | undefined;
  /** Ends a wait for the pacer early: a container that is not behind woke (#waitForPacer). */
  #wakeQuiet: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;
  /** Aborted by stop(): ends a wait for the spool's pace. */
  readonly #stop = new AbortController();
  #lastCursor = "";
  #parseErrors = 0;

  constructor(options: JsonFileLogSourceOptions = {}) {
    // Writes wake the source through inotify, so a watched container is read when it writes; the
    // full poll only catches what a watch missed (an overflowed inotify queue drops events). It
    // used to run every second for all: with 100 idle containers, 0.8 % of a core of stat and
    // read calls for nothing (measured, bench/collector-overhead.ts). A container whose watch
    // could not be set up (no inotify, the watch limit reached) or failed is still read every second.
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#safetyPollMs = Math.max(this.#pollIntervalMs, options.safetyPollMs ?? 10_000);
    this.#maxRecordBytes = options.maxRecordBytes;
  }

  /** Lines skipped because they were not valid json-file records (for metrics). */
  get parseErrors(): number {
    return this.#parseErrors;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#saved = new Map(Object.entries(readCursor(ctx.cursor)));
    this.#savedUntil = Date.now() + UNCLAIMED_CURSOR_TTL_MS;
    ctx.inventory.on("change", this.#onChange);
    ctx.inventory.on("removed", this.#onRemoved);
    for (const info of ctx.inventory.list()) this.#onChange(info);
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    if (!this.#ctx) return;
    this.#stopping = true;
    this.#stop.abort();
    this.#wakeLoop?.();
    await this.#running;
    this.#ctx.inventory.off("change", this.#onChange);
    this.#ctx.inventory.off("removed", this.#onRemoved);
    await this.#pollOnce([...this.#tailed.keys()]); // the final read
    for (const t of this.#tailed.values()) t.watcher?.close();
    await Promise.all([...this.#tailed.values()].map((t) => t.tailer.close()));
    this.#tailed.clear();
  }

  readonly #onChange = (info: ContainerInfo): void => {
    const known = this.#tailed.get(info.id);
    if (known) {
      known.info = info; // keep name/image current
      return;
    }
    if (info.logDriver !== "json-file" || !info.logPath || this.#stopping) return;
    const ctx = this.#ctx as SourceContext;
    const start = this.#saved.get(info.id);
    this.#saved.delete(info.id);
    const tailer = new JsonFileTailer(info.logPath, {
      start,
      maxRecordBytes: this.#maxRecordBytes,
      onParseError: (error, where) =>
        ctx.log.debug({ containerId: info.id, error, ...where }, "skipping an unparsable json-file line"),
    });
    this.#tailed.set(info.id, { info, tailer, watcher: this.#watch(info), removed: false });
    this.#wake(info.id);
  };

  #watch(info: ContainerInfo): FSWatcher | undefined {
    try {
      const watcher = watch(dirname(info.logPath), { persistent: false }, () => this.#wake(info.id));
      watcher.on("error", () => {
        // The directory went with `docker rm`, or the watch broke: read it now, then every second.
        watcher.close();
        const t = this.#tailed.get(info.id);
        if (t?.watcher === watcher) t.watcher = undefined;
        this.#wake(info.id);
      });
      return watcher;
    } catch {
      return undefined; // no inotify here: the full poll still reads everything
    }
  }

  #wake(id: string): void {
    this.#dirty.add(id);
    this.#wakeLoop?.();
    if (!this.#behind.has(id)) this.#wakeQuiet?.();
  }

  readonly #onRemoved = (info: ContainerInfo): void => {
    const t = this.#tailed.get(info.id);
    if (t) t.removed = true;
    this.#saved.delete(info.id);
    this.#wake(info.id);
  };

  /**
   * Polls the containers that woke (inotify), those without a watch every pollIntervalMs, and all
   * of them every safetyPollMs; a tailer that had more to read than one poll takes is polled
   * again at once.
   */
  async #loop(): Promise<void> {
    let nextFull = 0;
    let nextUnwatched = 0;
    while (!this.#stopping) {
      // Woken each second only while some container has no watch.
      const unwatched = [...this.#tailed.values()].some((t) => !t.watcher);
      const wait = (unwatched ? Math.min(nextFull, nextUnwatched) : nextFull) - Date.now();
      if (this.#dirty.size === 0 && wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.#wakeLoop = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wakeLoop = undefined;
      }
      if (this.#stopping) break;
      await this.#waitForPacer();
      if (this.#stopping) break;
      const now = Date.now();
      const full = now >= nextFull;
      if (full) nextFull = now + this.#safetyPollMs;
      if (full || now >= nextUnwatched) {
        nextUnwatched = now + this.#pollIntervalMs;
        // A file its tailer has read to the end, still under its name, is not read again: with
        // 100 idle containers the safety poll's reads and stats woke the thread pool about 35
        // times a second for nothing (strace; the idle collector fell from 1.15–1.22 to 1.00 %
        // of a core with this and the loop's wake below, measured as the units run it).
        for (const [id, t] of this.#tailed)
          if ((full || !t.watcher) && (t.removed || !t.tailer.idle())) this.#dirty.add(id);
      }
      // A full poll emits even with nothing read: the cursor drops positions no container claimed.
      if (this.#dirty.size > 0 || full) await this.#pollDirty([...this.#dirty], { paced: true });
    }
  }

  /** Polls these dirty containers (#pollOnce); those with more to read stay dirty. */
  async #pollDirty(ids: string[], opts: PollOptions): Promise<void> {
    for (const id of ids) this.#dirty.delete(id);
    try {
      for (const id of await this.#pollOnce(ids, opts)) this.#dirty.add(id);
    } catch (err) {
      this.#ctx?.log.error({ err }, "json-file poll failed");
    }
  }

  /**
   * While the aggregator takes batches slower than a flood comes, the flood waits in its file
   * rather than in the spool ahead of every other container's lines (read-pacer.ts). Meanwhile a
   * container that is not behind is read as it wakes, a little at a time: its lines go out in a
   * small batch of their own, which the shipper sends ahead of the flood's (shipper.ts), instead of
   * riding behind the flood's next read.
   */
  async #waitForPacer(): Promise<void> {
    const pacer = this.#ctx?.pacer;
    if (!pacer) return;
    for (;;) {
      const quiet = [...this.#dirty].filter((id) => !this.#behind.has(id));
      if (quiet.length > 0) await this.#pollDirty(quiet, { maxBytes: QUIET_POLL_BYTES });
      const woken = new AbortController();
      this.#wakeQuiet = () => woken.abort();
      await pacer.wait(AbortSignal.any([this.#stop.signal, woken.signal]));
      this.#wakeQuiet = undefined;
      if (!woken.signal.aborted || this.#stopping) return;
    }
  }

  /**
   * Polls these containers' tailers once and emits what they read (EMIT_BYTES at a time); returns
   * those with more to read, and those a paced poll left for later.
   */
  async #pollOnce(ids: string[], { maxBytes = EMIT_BYTES, paced }: PollOptions = {}): Promise<string[]> {
    const pacer = this.#ctx?.pacer;
    let records: LogRecord[] = [];
    let bytes = 0;
    let emitted = false;
    const more: string[] = [];
    for (const [i, id] of ids.entries()) {
      // A poll of many containers' backlog would put all of it in the spool at once: once it has
      // emitted, it stops while the pacer holds; the rest stay dirty and are read at its pace.
      if (paced && emitted && pacer && !pacer.open) {
        more.push(...ids.slice(i));
        break;
      }
      // What is left of this emit's bytes at most: an emit stays about EMIT_BYTES. Only a read
      // that had its whole budget and left more is behind (paced); one cut short is just dirty.
      const left = EMIT_BYTES - bytes;
      const budget = Math.min(maxBytes, left);
      const r = await this.#read(id, budget, records);
      bytes += r.bytes;
      if (r.more) more.push(id);
      if (r.more && budget === maxBytes) this.#behind.add(id);
      else if (!r.more) this.#behind.delete(id);
      // A read that stopped at what was left spent the emit's bytes (short of them by a torn line).
      if (bytes >= EMIT_BYTES || (r.more && budget === left)) {
        await this.#emit(records);
        [records, bytes, emitted] = [[], 0, true];
      }
    }
    await this.#emit(records);
    return more;
  }

  /**
   * Reads one container's new lines (`budget` bytes at most) into `out`; a removed container read
   * to its end is closed. A failed read is logged and retried by the next poll.
   */
  async #read(id: string, budget: number, out: LogRecord[]): Promise<{ more: boolean; bytes: number }> {
    const ctx = this.#ctx as SourceContext;
    const t = this.#tailed.get(id);
    if (!t) return { more: false, bytes: 0 };
    try {
      const r = await t.tailer.poll(budget);
      if (r.resumeLost)
        ctx.log.warn({ containerId: id }, "saved log position was rotated away; read from the oldest file");
      if (r.parseErrors > 0) {
        this.#parseErrors += r.parseErrors;
        ctx.skippedInput?.(JSON_FILE_INPUT.invalidLine, r.parseErrors);
        ctx.log.warn({ containerId: id, count: r.parseErrors }, "skipped unparsable json-file lines");
      }
      for (const line of r.lines) out.push(toLogRecord(line, t.info, ctx.host));
      if (t.removed && !r.more) {
        // Gone for good: lines whose last piece never came are shipped as they are.
        for (const line of t.tailer.flush()) out.push(toLogRecord(line, t.info, ctx.host));
        t.watcher?.close();
        await t.tailer.close();
        this.#tailed.delete(id);
      }
      return r;
    } catch (err) {
      ctx.log.warn({ err, containerId: id }, "reading a json-file log failed; retrying next poll");
      return { more: false, bytes: 0 };
    }
  }

  /** Emits these records with the cursor map; with none, only when a position changed. */
  async #emit(records: LogRecord[]): Promise<void> {
    const cursor = this.#cursor();
    const serialized = JSON.stringify(cursor);
    if (records.length === 0 && serialized === this.#lastCursor) return;
    await (this.#ctx as SourceContext).emit(records, cursor);
    this.#lastCursor = serialized;
  }

  /** A fresh object every time: the pipeline may hold on to it while later polls go on. */
  #cursor(): JsonFileCursor {
    const out: JsonFileCursor = {};
    if (Date.now() > this.#savedUntil) this.#saved.clear();
    for (const [id, pos] of this.#saved) out[id] = { ...pos };
    for (const [id, t] of this.#tailed) {
      const pos = t.tailer.position;
      if (pos) out[id] = { ...pos };
    }
    return out;
  }
}

interface PollOptions {
  /** Bytes each container's read may take at most (EMIT_BYTES by default). */
  maxBytes?: number;
  /** Stop between containers while the pacer holds (the loop's polls; not a quiet read, not the last). */
  paced?: boolean;
}

export function toLogRecord(line: TailedLine, info: ContainerInfo, host: string): LogRecord {
  return {
    kind: "log",
    time: line.time,
    host,
    source: "docker-json",
    stream: line.stream,
    unit: "",
    identifier: "",
    pid: 0,
    severityNumber: 0,
    severityText: "",
    body: line.body,
    // Cut by the merger (bounded memory); the pipeline adds the marker and counts it.
    attributes: line.truncated
      ? { ...line.attrs, [TRUNCATED_BYTES_ATTRIBUTE]: String(line.bytes) }
      : line.attrs,
    seq: line.seq,
    containerId: info.id,
    containerName: info.name,
    image: info.image,
  };
}

/** Accepts only well-formed entries of a saved cursor; anything else is ignored. */
export function readCursor(raw: unknown): JsonFileCursor {
  const out: JsonFileCursor = {};
  if (typeof raw !== "object" || raw === null) return out;
  for (const [id, v] of Object.entries(raw)) {
    const p = v as Partial<FilePosition> | null;
    if (p && Number.isSafeInteger(p.inode) && Number.isSafeInteger(p.offset) && (p.offset as number) >= 0) {
      out[id] = { inode: p.inode as number, offset: p.offset as number };
    }
  }
  return out;
}
