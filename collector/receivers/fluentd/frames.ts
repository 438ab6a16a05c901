// Cuts the bytes of one fluentd TCP connection into whole msgpack values. What is held for an
// unfinished value never exceeds the cap: a longer one makes the framing unrecoverable (msgpack
// has no delimiter to resynchronise on), and the receiver closes the connection.
//
// Linear in the bytes received: pieces are appended to a buffer that grows by doubling (each
// byte is copied O(1) times on average), and measuring resumes where it stopped instead of
// starting the unfinished value over with every piece.
import { type MeasureState, measureFrom, startMeasure } from "./msgpack-frame.ts";

export interface FrameBatch {
  values: Buffer[];
  /** Set when the stream cannot be framed any more; values before it are still good. */
  error?: string;
}

export class MsgpackFrames {
  readonly #maxBytes: number;
  #buf: Buffer = Buffer.alloc(0);
  /** Where the unfinished value starts in #buf, and where the bytes received end. */
  #start = 0;
  #end = 0;
  #state: MeasureState = startMeasure();

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  push(data: Buffer): FrameBatch {
    this.#append(data);
    const values: Buffer[] = [];
    while (this.#end > this.#start) {
      const view = this.#buf.subarray(this.#start, this.#end);
      const m = measureFrom(view, this.#state, this.#maxBytes);
      if (m.kind === "incomplete") break;
      if (m.kind === "invalid") {
        this.#reset();
        return { values, error: m.reason };
      }
      // A copy: the buffer is reused for what comes next.
      values.push(Buffer.from(view.subarray(0, m.length)));
      this.#start += m.length;
      this.#state = startMeasure();
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    // A large buffer kept for one big message is given back once the message is through.
    if (this.#end === 0 && this.#buf.length > 64 * 1024) this.#buf = Buffer.alloc(0);
    return { values };
  }

  /** Bytes held for the unfinished value. */
  get pendingBytes(): number {
    return this.#end - this.#start;
  }

  /** Bytes of memory this connection's framing holds (the buffer, not only what is used of it). */
  get heldBytes(): number {
    return this.#buf.length;
  }

  #append(data: Buffer): void {
    const pending = this.#end - this.#start;
    const needed = pending + data.length;
    if (this.#end + data.length > this.#buf.length) {
      if (needed <= this.#buf.length && this.#start > 0) {
        this.#buf.copy(this.#buf, 0, this.#start, this.#end); // room at the front: move down
      } else {
        const grown = Buffer.allocUnsafe(
          Math.max(needed, Math.min(2 * this.#buf.length, this.#maxBytes + data.length), 4096),
        );
        this.#buf.copy(grown, 0, this.#start, this.#end);
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = pending;
    }
    data.copy(this.#buf, this.#end);
    this.#end += data.length;
  }

  #reset(): void {
    this.#buf = Buffer.alloc(0);
    this.#start = this.#end = 0;
    this.#state = startMeasure();
  }
}
