// The body of Docker's GET /containers/{id}/logs?timestamps=1 for a container without a TTY: a
// multiplexed stream of frames, each an 8-byte header [stream, 0, 0, 0, size (uint32 BE)] and
// `size` bytes of one log message prefixed with its time ("2026-11-22T02:22:03.265459213Z ").
// A message ends in "\n" unless it is a piece of a line longer than 16 KiB; the pieces of one
// line follow each other on their stream and are joined here (up to a byte cap). With a TTY
// there are no headers: the raw bytes are stdout, and lines are split on "\n".

export interface StreamLine {
  stream: "stdout" | "stderr";
  /** Docker's RFC 3339 timestamp with nine fractional digits, of the line's first piece. */
  time: string;
  body: string;
  /** True when the line was longer than maxLineBytes and cut. */
  truncated: boolean;
  /** UTF-8 bytes of the whole line as written. */
  bytes: number;
}

const HEADER = 8;
const STREAMS: Record<number, "stdout" | "stderr"> = { 1: "stdout", 2: "stderr" };
const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) /;

interface Partial {
  time: string;
  parts: Buffer[];
  bytes: number;
  total: number;
  truncated: boolean;
}

export class LogStreamParser {
  readonly #tty: boolean;
  readonly #maxLineBytes: number;
  #carry: Buffer = Buffer.alloc(0);
  readonly #partial = new Map<string, Partial>();
  /** Frames that were not what Docker sends (bad header or no timestamp); skipped. */
  malformed = 0;

  constructor({ tty = false, maxLineBytes = 1024 * 1024 }: { tty?: boolean; maxLineBytes?: number } = {}) {
    this.#tty = tty;
    this.#maxLineBytes = maxLineBytes;
  }

  /** Feeds bytes as they arrive; returns the whole lines they completed. */
  push(chunk: Buffer): StreamLine[] {
    const data = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    const out: StreamLine[] = [];
    let at = 0;
    if (this.#tty) {
      for (let nl = data.indexOf(10, at); nl !== -1; nl = data.indexOf(10, at)) {
        this.#message("stdout", data.subarray(at, nl + 1), out);
        at = nl + 1;
      }
    } else {
      while (data.length - at >= HEADER) {
        const size = data.readUInt32BE(at + 4);
        const stream = STREAMS[data[at] as number];
        if (!stream || data[at + 1] !== 0 || data[at + 2] !== 0 || data[at + 3] !== 0) {
          // Not a header: nothing after it can be framed again. Drop what we have.
          this.malformed++;
          this.#carry = Buffer.alloc(0);
          return out;
        }
        if (data.length - at - HEADER < size) break;
        this.#message(stream, data.subarray(at + HEADER, at + HEADER + size), out);
        at += HEADER + size;
      }
    }
    this.#carry = Buffer.from(data.subarray(at)); // a copy: `chunk` belongs to the caller
    return out;
  }

  /** Lines whose last piece never came (the stream ended): returned as they are. */
  end(): StreamLine[] {
    const out: StreamLine[] = [];
    for (const [stream, p] of this.#partial) out.push(finish(stream as StreamLine["stream"], p));
    this.#partial.clear();
    this.#carry = Buffer.alloc(0);
    return out;
  }

  #message(stream: StreamLine["stream"], msg: Buffer, out: StreamLine[]): void {
    // The timestamp is ASCII: decode only its bytes, keep the rest as bytes until the line is whole.
    const head = msg.toString("latin1", 0, Math.min(msg.length, 40));
    const m = TIME.exec(head);
    if (!m) {
      this.malformed++;
      return;
    }
    const time = m[1] as string;
    const complete = msg[msg.length - 1] === 10;
    // A TTY ends lines with "\r\n".
    const end = complete ? msg.length - (this.#tty && msg[msg.length - 2] === 13 ? 2 : 1) : msg.length;
    const text = msg.subarray(Math.min(m[0].length, end), end);
    let p = this.#partial.get(stream);
    if (!p) {
      p = { time, parts: [], bytes: 0, total: 0, truncated: false };
      if (!complete) this.#partial.set(stream, p);
    }
    const room = this.#maxLineBytes - p.bytes;
    if (text.length > room) p.truncated = true;
    const kept = text.length > room ? text.subarray(0, Math.max(0, room)) : text;
    if (kept.length > 0) p.parts.push(kept);
    p.bytes += kept.length;
    p.total += text.length;
    if (complete) {
      this.#partial.delete(stream);
      out.push(finish(stream, p));
    }
  }
}

function finish(stream: StreamLine["stream"], p: Partial): StreamLine {
  // A cut may split a UTF-8 character: the decoder turns its bytes into U+FFFD, trimmed here.
  let body = Buffer.concat(p.parts).toString("utf8");
  if (p.truncated) body = body.replace(/\uFFFD+$/, "");
  return { stream, time: p.time, body, truncated: p.truncated, bytes: p.total };
}
