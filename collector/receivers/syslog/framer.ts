// Splits a syslog TCP stream into frames (RFC 6587), detected per frame: `LEN SP <…` (1–9
// digits, then the message's `<`) is octet counting, as Docker sends over tcp+tls; anything
// else is one frame per line, as Docker sends over plain tcp. Memory stays bounded whatever
// arrives: a frame is cut at `maxFrameBytes` (the head kept and marked, the rest skipped), and
// only an octet count too large to be real ends the stream.

export interface Frame {
  bytes: Buffer;
  /** The sender's frame was longer than maxFrameBytes: `bytes` is its head. */
  truncated: boolean;
}

export interface FramerOutput {
  frames: Frame[];
  /** Set when the stream cannot be framed any more (the caller closes the connection). */
  fatal?: string;
}

/** An octet count above this many frames' worth is taken for garbage, not a message. */
export const MAX_COUNT_FACTOR = 16;
const OCTET_HEADER = /^([1-9]\d{0,8}) </;
/** The start of what may be an octet-counting header, cut short by the end of a read. */
const MAYBE_HEADER = /^\d{1,9} ?$/;
const HEADER_MAX = 11;
const NEWLINE = 0x0a;

/** The frame being read: `remaining` octets still to come (octet counting) or -1 (until a newline). */
interface Current {
  remaining: number;
  /** What is kept: at most maxFrameBytes + 2 (room for a line ending). */
  parts: Buffer[];
  kept: number;
  /** Every byte of the frame, kept or skipped. */
  total: number;
}

export class SyslogFramer {
  readonly #max: number;
  /** Start of a frame, at most HEADER_MAX bytes, while deciding how it is framed. */
  #head: Buffer = Buffer.alloc(0);
  #current: Current | undefined;
  #fatal: string | undefined;

  constructor(maxFrameBytes: number) {
    this.#max = maxFrameBytes;
  }

  /** Bytes held between calls (at most one frame's worth). */
  get buffered(): number {
    return this.#head.length + (this.#current?.kept ?? 0);
  }

  push(chunk: Buffer): FramerOutput {
    const frames: Frame[] = [];
    let buf = chunk;
    if (this.#head.length > 0) buf = Buffer.concat([this.#head, chunk]);
    this.#head = Buffer.alloc(0);
    let pos = 0;
    while (pos < buf.length && !this.#fatal) {
      if (this.#current) {
        pos = this.#read(buf, pos, frames);
        continue;
      }
      const start = this.#begin(buf, pos);
      if (start === undefined) {
        this.#head = Buffer.from(buf.subarray(pos)); // fewer than HEADER_MAX bytes
        break;
      }
      pos = start;
    }
    return this.#fatal ? { frames, fatal: this.#fatal } : { frames };
  }

  /** The peer closed: a last line without its newline is a frame; a cut octet frame is not. */
  end(): { frames: Frame[]; incomplete: boolean } {
    const c = this.#current;
    const bytes = c ? Buffer.concat(c.parts) : this.#head;
    this.#current = undefined;
    this.#head = Buffer.alloc(0);
    if (c && c.remaining >= 0) return { frames: [], incomplete: true };
    const f = frame(bytes, this.#max, c !== undefined && c.total > c.kept);
    return { frames: f.bytes.length > 0 ? [f] : [], incomplete: false };
  }

  /** Starts the frame at `pos`: returns where its bytes begin, or undefined until more bytes tell how it is framed. */
  #begin(buf: Buffer, pos: number): number | undefined {
    const head = buf.toString("latin1", pos, Math.min(buf.length, pos + HEADER_MAX));
    const m = OCTET_HEADER.exec(head);
    if (m) {
      const count = Number(m[1]);
      if (count > MAX_COUNT_FACTOR * this.#max) {
        this.#fatal = `octet count ${count} exceeds ${MAX_COUNT_FACTOR}× the ${this.#max}-byte frame limit`;
        return buf.length;
      }
      this.#current = { remaining: count, parts: [], kept: 0, total: 0 };
      return pos + (m[1] as string).length + 1;
    }
    if (MAYBE_HEADER.test(head)) return undefined;
    this.#current = { remaining: -1, parts: [], kept: 0, total: 0 };
    return pos;
  }

  /** Reads into the current frame; returns where reading goes on. */
  #read(buf: Buffer, pos: number, frames: Frame[]): number {
    const c = this.#current as Current;
    let end: number;
    if (c.remaining >= 0) {
      end = pos + Math.min(c.remaining, buf.length - pos);
      c.remaining -= end - pos;
    } else {
      const nl = buf.indexOf(NEWLINE, pos);
      end = nl < 0 ? buf.length : nl + 1;
    }
    const keep = Math.min(end - pos, this.#max + 2 - c.kept);
    if (keep > 0) c.parts.push(buf.subarray(pos, pos + keep));
    c.kept += Math.max(0, keep);
    c.total += end - pos;
    const done = c.remaining === 0 || (c.remaining < 0 && buf[end - 1] === NEWLINE);
    if (done) {
      this.#current = undefined;
      const f = frame(Buffer.concat(c.parts), this.#max, c.total > c.kept);
      if (f.bytes.length > 0) frames.push(f);
    }
    return end;
  }
}

/** A UDP datagram is one message (RFC 5426), its line ending dropped and cut to `max` bytes. */
export function datagramFrame(datagram: Buffer, max: number): Frame {
  return frame(datagram, max, false);
}

/** A frame without its line ending (`\n` or `\r\n`), cut to `max` bytes; `cut` when bytes were skipped. */
function frame(bytes: Buffer, max: number, cut: boolean): Frame {
  let end = bytes.length;
  if (!cut && bytes[end - 1] === NEWLINE) end--;
  if (!cut && bytes[end - 1] === 0x0d) end--;
  if (end > max) return { bytes: bytes.subarray(0, max), truncated: true };
  return { bytes: bytes.subarray(0, end), truncated: cut };
}
