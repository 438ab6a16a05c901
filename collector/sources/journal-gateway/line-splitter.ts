// Cuts a byte stream into newline-terminated lines, holding at most `maxLineBytes` of an
// unfinished one: a longer line (or a peer that never sends a newline) is skipped up to its
// newline and counted, so what a gateway sends cannot grow memory without bound.

export interface SplitResult {
  lines: Buffer[];
  /**
   * Lines skipped for exceeding the bound, counted when the bound is passed (a peer that never
   * sends a newline is counted too), each with the bytes seen of it by then.
   */
  oversized: number[];
}

const NEWLINE = 0x0a;

export class LineSplitter {
  readonly #max: number;
  #pieces: Buffer[] = [];
  #held = 0;
  /** Bytes of the line being skipped; -1 while not skipping. */
  #skipped = -1;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  /** Bytes of an unfinished line held between calls: at most maxLineBytes. */
  get buffered(): number {
    return this.#held;
  }

  push(chunk: Buffer): SplitResult {
    const out: SplitResult = { lines: [], oversized: [] };
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      this.#take(chunk.subarray(start, end), out);
      if (nl === -1) break;
      this.#endLine(out);
      start = nl + 1;
    }
    return out;
  }

  /** Forgets an unfinished line (the connection it came on is gone). */
  reset(): void {
    this.#pieces = [];
    this.#held = 0;
    this.#skipped = -1;
  }

  #take(piece: Buffer, out: SplitResult): void {
    if (piece.length === 0) return;
    if (this.#skipped >= 0) {
      this.#skipped += piece.length;
      return;
    }
    if (this.#held + piece.length > this.#max) {
      out.oversized.push(this.#held + piece.length);
      this.#skipped = this.#held + piece.length;
      this.#pieces = [];
      this.#held = 0;
      return;
    }
    // A copy: the stream reuses the chunk's memory.
    this.#pieces.push(Buffer.from(piece));
    this.#held += piece.length;
  }

  #endLine(out: SplitResult): void {
    if (this.#skipped < 0 && this.#held > 0) out.lines.push(Buffer.concat(this.#pieces, this.#held));
    this.reset();
  }
}
