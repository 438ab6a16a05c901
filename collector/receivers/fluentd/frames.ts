// Cuts the bytes of one fluentd TCP connection into whole msgpack values. What is held for an
// unfinished value never exceeds the cap: a longer one makes the framing unrecoverable (msgpack
// has no delimiter to resynchronise on), and the receiver closes the connection.
import { measureValue } from "./msgpack-frame.ts";

export interface FrameBatch {
  values: Buffer[];
  /** Set when the stream cannot be framed any more; values before it are still good. */
  error?: string;
}

export class MsgpackFrames {
  readonly #maxBytes: number;
  #pending: Buffer = Buffer.alloc(0);

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  push(data: Buffer): FrameBatch {
    let buf = this.#pending.length === 0 ? data : Buffer.concat([this.#pending, data]);
    const values: Buffer[] = [];
    while (buf.length > 0) {
      const m = measureValue(buf, this.#maxBytes);
      if (m.kind === "incomplete") break;
      if (m.kind === "invalid") {
        this.#pending = Buffer.alloc(0);
        return { values, error: m.reason };
      }
      values.push(buf.subarray(0, m.length));
      buf = buf.subarray(m.length);
    }
    // A copy, so a held tail does not pin the whole read buffer it came in.
    this.#pending = Buffer.from(buf);
    return { values };
  }

  get pendingBytes(): number {
    return this.#pending.length;
  }
}
