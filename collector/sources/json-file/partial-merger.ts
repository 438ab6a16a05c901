// Docker's json-file driver splits a line longer than 16 KiB into 16 KiB pieces; only the last
// piece ends in "\n". stdout and stderr are copied by separate goroutines, so their pieces may
// interleave in the file: one pending buffer per stream puts each line back together.

import { TRUNCATED_ATTRIBUTE } from "../../processors/truncate.ts";
import { isCompletePiece, type JsonFileLine } from "./json-file-line.ts";

export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/** A whole line: `meta` is the one passed with its first piece (file position, for seq/cursor). */
export interface MergedLine<M> {
  stream: string;
  /** The first piece's time: when the line started. */
  time: string;
  /** Without the trailing newline. */
  body: string;
  attrs: Record<string, string>;
  truncated: boolean;
  /** UTF-8 bytes of the whole line as written, also when `body` was cut. */
  bytes: number;
  meta: M;
}

interface Pending<M> {
  time: string;
  attrs: Record<string, string>;
  meta: M;
  parts: string[];
  bytes: number;
  /** Bytes of every piece, kept or cut. */
  total: number;
  truncated: boolean;
}

export class PartialMerger<M> {
  readonly #maxBytes: number;
  /** Insertion order = order the first pieces were read, so the first entry is the oldest. */
  readonly #pending = new Map<string, Pending<M>>();

  constructor({ maxBytes = DEFAULT_MAX_RECORD_BYTES }: { maxBytes?: number } = {}) {
    if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be > 0, got ${maxBytes}`);
    this.#maxBytes = maxBytes;
  }

  /** Adds a piece; returns the whole line once its last piece arrived. */
  push(line: JsonFileLine, meta: M): MergedLine<M> | undefined {
    const complete = isCompletePiece(line);
    const text = complete ? line.log.slice(0, -1) : line.log;
    let p = this.#pending.get(line.stream);
    if (!p) {
      const bytes = complete ? Buffer.byteLength(text) : 0;
      if (complete && bytes <= this.#maxBytes) {
        // The common case: a short line in one piece, no buffering.
        return {
          stream: line.stream,
          time: line.time,
          body: text,
          attrs: line.attrs,
          truncated: false,
          bytes,
          meta,
        };
      }
      p = { time: line.time, attrs: line.attrs, meta, parts: [], bytes: 0, total: 0, truncated: false };
      this.#pending.set(line.stream, p);
    }
    append(p, text, this.#maxBytes);
    if (!complete) return undefined;
    this.#pending.delete(line.stream);
    return finish(line.stream, p);
  }

  /** Meta of the first piece of the oldest line still waiting for its last piece. */
  oldestPending(): M | undefined {
    for (const p of this.#pending.values()) return p.meta;
    return undefined;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Gives up on unfinished lines (their writer is gone) and returns them as they are, oldest first. */
  flush(): MergedLine<M>[] {
    const out = [...this.#pending].map(([stream, p]) => finish(stream, p));
    this.#pending.clear();
    return out;
  }
}

/** Appends up to the cap; past it the line is cut (on a UTF-8 character boundary) and marked. */
function append<M>(p: Pending<M>, text: string, maxBytes: number): void {
  const bytes = Buffer.byteLength(text);
  p.total += bytes;
  if (p.truncated || text.length === 0) return;
  if (p.bytes + bytes <= maxBytes) {
    p.parts.push(text);
    p.bytes += bytes;
    return;
  }
  const cut = utf8Prefix(text, maxBytes - p.bytes);
  p.parts.push(cut);
  p.bytes += Buffer.byteLength(cut);
  p.truncated = true;
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `budget` bytes. */
export function utf8Prefix(text: string, budget: number): string {
  if (budget <= 0) return "";
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= budget) return text;
  let end = budget;
  // Back off continuation bytes (10xxxxxx) so a multi-byte character is not split.
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString("utf8");
}

function finish<M>(stream: string, p: Pending<M>): MergedLine<M> {
  const attrs = p.truncated ? { ...p.attrs, [TRUNCATED_ATTRIBUTE]: "true" } : p.attrs;
  return {
    stream,
    time: p.time,
    body: p.parts.join(""),
    attrs,
    truncated: p.truncated,
    bytes: p.total,
    meta: p.meta,
  };
}
