// Tails one container's json-file log family: `<LogPath>` plus the rotated `<LogPath>.1`, `.2` …
// Docker's max-size/max-file rotation renames `.1`→`.2` … and the current file → `.1`, then
// creates a new current file, so a file is identified by its inode, not its name. The fd stays
// open while reading: after a rotation, or after `docker rm` unlinks everything, it still reads
// the rest of the old file.

import { fstatSync, statSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open, stat } from "node:fs/promises";
import { parseJsonFileLine } from "./json-file-line.ts";
import { type MergedLine, PartialMerger } from "./partial-merger.ts";

/** Where reading resumes: a byte offset in the file with this inode. */
export interface FilePosition {
  inode: number;
  offset: number;
}

/** One whole log line read from the family. */
export interface TailedLine {
  stream: string;
  time: string;
  body: string;
  attrs: Record<string, string>;
  truncated: boolean;
  /** UTF-8 bytes of the whole line as written (more than `body` holds when truncated). */
  bytes: number;
  /** Byte offset of the line's first piece in its file. */
  seq: number;
  /** Resume here to read what follows this line (never past a line still being merged). */
  cursor: FilePosition;
}

export interface PollResult {
  lines: TailedLine[];
  /** Lines that were not valid json-file records; skipped. */
  parseErrors: number;
  /** True when the per-poll byte budget ran out before the end of the data: poll again soon. */
  more: boolean;
  /** Bytes of whole lines this poll read (a torn last line is read again by the next). */
  bytes: number;
  /** True (once) when the saved start position was no longer on disk: read from the oldest file. */
  resumeLost: boolean;
}

export interface TailerOptions {
  /** Saved position; undefined reads the family from its oldest file. */
  start?: FilePosition;
  maxRecordBytes?: number;
  /** Bytes read per poll at most, so a large backlog comes in bounded batches. */
  maxBytesPerPoll?: number;
  /** Called once per unparsable line (rate-limit in the caller). */
  onParseError?: (error: string, where: FilePosition) => void;
}

interface OpenFile {
  fh: FileHandle;
  inode: number;
}

interface PieceMeta {
  inode: number;
  offset: number;
}

const CHUNK_BYTES = 256 * 1024;
const EMPTY = Buffer.alloc(0);

export class JsonFileTailer {
  readonly path: string;
  readonly #merger: PartialMerger<PieceMeta>;
  readonly #maxBytesPerPoll: number;
  readonly #onParseError: TailerOptions["onParseError"];
  readonly #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Files still to read, oldest first; the last one is the live file (or was, when last seen). */
  #files: OpenFile[] = [];
  /** Offset of the next unread line in #files[0]. */
  #offset = 0;
  /** The saved position, until the family has been opened. */
  #start: FilePosition | undefined;
  #opened = false;
  #closed = false;
  #resumeLost = false;
  #out: TailedLine[] = [];
  #errors = 0;

  constructor(path: string, options: TailerOptions = {}) {
    this.path = path;
    this.#start = options.start;
    this.#merger = new PartialMerger<PieceMeta>({ maxBytes: options.maxRecordBytes });
    this.#maxBytesPerPoll = options.maxBytesPerPoll ?? 1024 * 1024; // ~5k lines: one spool batch
    this.#onParseError = options.onParseError;
  }

  /**
   * Where a restart must resume: after the last whole line read, or at the first piece of the
   * oldest line still being merged (so a half-read long line is read again, not skipped).
   */
  get position(): FilePosition | undefined {
    const pending = this.#merger.oldestPending();
    if (pending) return { inode: pending.inode, offset: pending.offset };
    const f = this.#files[0];
    return f ? { inode: f.inode, offset: this.#offset } : this.#start;
  }

  /** Reads every complete line written since the last poll, following rotations, up to `maxBytes`. */
  async poll(maxBytes = this.#maxBytesPerPoll): Promise<PollResult> {
    let budget = maxBytes;
    let read = 0;
    let more = false;
    if (!this.#opened && !this.#closed) await this.#openInitial();
    for (;;) {
      const head = this.#files[0];
      if (!head) break;
      const r = await this.#readToEof(head, budget);
      budget -= r.bytes;
      read += r.bytes - r.carry;
      if (!r.eof) {
        more = true;
        break;
      }
      if (this.#files.length > 1) {
        // A rotated file is never written again: done with it.
        this.#finishFile(r.carry);
        continue;
      }
      // The live file: has the path moved on to a new inode (rotation)?
      const ino = await inodeOf(this.path);
      if (ino === undefined || ino === head.inode) break; // unchanged, or unlinked (docker rm)
      // Drain what was written between our read and the rename, then queue the newer files.
      const tail = await this.#readToEof(head, Number.POSITIVE_INFINITY);
      budget -= tail.bytes;
      read += tail.bytes - tail.carry;
      const newer = await openNewerThan(this.path, head.inode);
      if (newer.length === 0) break; // mid-rotation: keep the old fd and look again next poll
      this.#files.push(...newer);
      this.#finishFile(tail.carry);
    }
    const lines = this.#out;
    const parseErrors = this.#errors;
    const resumeLost = this.#resumeLost;
    this.#out = [];
    this.#errors = 0;
    this.#resumeLost = false;
    return { lines, parseErrors, more, bytes: read, resumeLost };
  }

  /**
   * Whether a poll now would find nothing: one live file, read to its end (no torn last line
   * left), and the path still naming it. Two synchronous stat calls, where a poll makes a read and
   * a stat on the thread pool; any doubt (not opened yet, a rotation under way, an error) says no.
   */
  idle(): boolean {
    const head = this.#files[0];
    if (!this.#opened || this.#closed || this.#files.length !== 1 || !head) return false;
    try {
      return fstatSync(head.fh.fd).size === this.#offset && statSync(this.path).ino === head.inode;
    } catch {
      return false;
    }
  }

  /** Lines whose last piece never came (the container is gone): returned as they are. */
  flush(): TailedLine[] {
    return this.#merger.flush().map((m) => this.#toTailed(m));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const files = this.#files;
    this.#files = [];
    await Promise.all(files.map((f) => f.fh.close().catch(() => undefined)));
  }

  async #openInitial(): Promise<void> {
    const family = await openFamily(this.path);
    if (family.length === 0) return; // not created yet: try again next poll
    this.#opened = true;
    const oldestFirst = family.reverse();
    const start = this.#start;
    const at = start ? oldestFirst.findIndex((f) => f.inode === start.inode) : -1;
    if (start && at >= 0) {
      for (const f of oldestFirst.slice(0, at)) await f.fh.close();
      this.#files = oldestFirst.slice(at);
      this.#offset = start.offset;
    } else {
      // No position, or its file was rotated away: everything still on disk, oldest first.
      this.#resumeLost = start !== undefined;
      this.#files = oldestFirst;
      this.#offset = 0;
    }
    this.#start = undefined;
  }

  #finishFile(carry: number): void {
    // A torn last line in a file docker has left behind will never be completed.
    if (carry > 0) this.#countError("torn last line in a rotated file", this.#offset);
    const done = this.#files.shift();
    done?.fh.close().catch(() => undefined);
    this.#offset = 0;
  }

  /**
   * Reads whole lines from #offset up to EOF or the budget; a torn last line is left unread
   * (#offset stays at its start). Returns the bytes read and the length of that torn tail.
   */
  async #readToEof(f: OpenFile, budget: number): Promise<{ eof: boolean; bytes: number; carry: number }> {
    const from0 = this.#offset;
    let pos = from0;
    let carry: Buffer = EMPTY;
    let bytes = 0;
    // Past the budget only while no whole line was found yet, so every poll makes progress.
    while (bytes < budget || pos === from0) {
      const want = Math.min(CHUNK_BYTES, Math.max(budget - bytes, 4096));
      const { bytesRead } = await f.fh.read(this.#chunk, 0, want, pos + carry.length);
      if (bytesRead === 0) return { eof: true, bytes, carry: carry.length };
      bytes += bytesRead;
      const data =
        carry.length > 0 ? Buffer.concat([carry, this.#chunk.subarray(0, bytesRead)]) : this.#chunk;
      const end = carry.length + bytesRead;
      let from = 0;
      for (let nl = data.indexOf(10, from); nl !== -1 && nl < end; nl = data.indexOf(10, from)) {
        const lineOffset = pos;
        pos += nl + 1 - from;
        this.#offset = pos;
        this.#handleLine(data.toString("utf8", from, nl), f.inode, lineOffset);
        from = nl + 1;
      }
      // Copy: the chunk buffer is reused by the next read.
      carry = Buffer.from(data.subarray(from, end));
    }
    return { eof: false, bytes, carry: carry.length };
  }

  #handleLine(text: string, inode: number, offset: number): void {
    const parsed = parseJsonFileLine(text);
    if (!parsed.ok) {
      this.#countError(parsed.error, offset, inode);
      return;
    }
    const merged = this.#merger.push(parsed.line, { inode, offset });
    if (merged) this.#out.push(this.#toTailed(merged));
  }

  #toTailed(m: MergedLine<PieceMeta>): TailedLine {
    const cursor = this.position ?? { inode: m.meta.inode, offset: m.meta.offset };
    return {
      stream: m.stream,
      time: m.time,
      body: m.body,
      attrs: m.attrs,
      truncated: m.truncated,
      bytes: m.bytes,
      seq: m.meta.offset,
      cursor,
    };
  }

  #countError(error: string, offset: number, inode = this.#files[0]?.inode ?? 0): void {
    this.#errors++;
    this.#onParseError?.(error, { inode, offset });
  }
}

async function inodeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function openOrUndefined(path: string): Promise<OpenFile | undefined> {
  try {
    const fh = await open(path, "r");
    return { fh, inode: (await fh.stat()).ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** `<path>` is index 0, `<path>.N` index N. */
function familyPath(path: string, index: number): string {
  return index === 0 ? path : `${path}.${index}`;
}

/**
 * Opens `<path>`, `<path>.1` … (stopping at the first missing rotated index), newest first.
 * A rotation may rename files while we open them, so the names are checked again afterwards
 * and the whole set reopened until it is consistent.
 */
export async function openFamily(path: string): Promise<OpenFile[]> {
  for (let attempt = 0; ; attempt++) {
    const files: (OpenFile | undefined)[] = [];
    for (let i = 0; ; i++) {
      const f = await openOrUndefined(familyPath(path, i));
      if (!f && i > 0) break;
      files.push(f); // the current file may be missing for a moment mid-rotation
    }
    if (attempt >= 4 || (await stillNamed(path, files))) return files.filter((f) => f !== undefined);
    await Promise.all(files.map((f) => f?.fh.close()));
  }
}

async function stillNamed(path: string, files: (OpenFile | undefined)[]): Promise<boolean> {
  for (let i = 0; i <= files.length; i++) {
    if ((await inodeOf(familyPath(path, i))) !== files[i]?.inode) return false;
  }
  return true;
}

/**
 * The files of the family newer than the one with `inode`, oldest first (ending with the
 * current file). Rotated files with a smaller index are newer; if `inode` is no longer among
 * them it was rotated off the end, so every file present is newer.
 */
async function openNewerThan(path: string, inode: number): Promise<OpenFile[]> {
  const family = await openFamily(path); // newest first
  const at = family.findIndex((f) => f.inode === inode);
  const keep = at >= 0 ? family.slice(0, at) : family;
  for (const f of at >= 0 ? family.slice(at) : []) await f.fh.close();
  return keep.reverse();
}
