// GELF over TCP: one message per frame, each ended by a NUL byte. A frame that grows past
// `maxFrameBytes` is dropped and the rest of it skipped up to the next NUL, so one oversized
// message costs that message only, and the framer never holds more than the cap.

export type Frame = { ok: true; bytes: Buffer } | { ok: false; reason: string; sample: Buffer };

export class NulFramer {
  readonly #maxFrameBytes: number;
  #parts: Buffer[] = [];
  #bytes = 0;
  /** Inside an oversized frame: drop bytes until its NUL. */
  #skipping = false;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Feeds bytes read from the socket; returns the frames they complete, in order. */
  push(data: Buffer): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    for (let nul = data.indexOf(0); nul !== -1; nul = data.indexOf(0, start)) {
      const piece = data.subarray(start, nul);
      start = nul + 1;
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      if (this.#bytes + piece.length > this.#maxFrameBytes) {
        frames.push(this.#oversized(piece));
        continue;
      }
      const bytes = this.#parts.length === 0 ? piece : Buffer.concat([...this.#parts, piece]);
      this.#parts = [];
      this.#bytes = 0;
      if (bytes.length > 0) frames.push({ ok: true, bytes }); // NUL NUL: an empty frame, nothing lost
    }
    const rest = data.subarray(start);
    if (this.#skipping || rest.length === 0) return frames;
    if (this.#bytes + rest.length > this.#maxFrameBytes) {
      frames.push(this.#oversized(rest));
      this.#skipping = true;
    } else {
      this.#parts.push(rest);
      this.#bytes += rest.length;
    }
    return frames;
  }

  /** Bytes buffered for an unfinished frame. */
  get pendingBytes(): number {
    return this.#bytes;
  }

  #oversized(tail: Buffer): Frame {
    const sample = (this.#parts[0] ?? tail).subarray(0, 120);
    this.#parts = [];
    this.#bytes = 0;
    return { ok: false, reason: `frame longer than ${this.#maxFrameBytes} bytes without a NUL`, sample };
  }
}
