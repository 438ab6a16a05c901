// Finds where one msgpack value ends without decoding it, so a TCP stream of concatenated
// values can be cut into whole messages: bounded (a value declaring more than `maxBytes` is
// refused at once, before its bytes arrive), iterative (deep nesting cannot blow the stack) and
// resumable (a value arriving in pieces is not measured again from its start).

export type Measure =
  | { kind: "value"; length: number }
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string };

const INCOMPLETE: Measure = { kind: "incomplete" };

/** Sizes of the fixed-width types: first byte → [header bytes, payload bytes]. */
// biome-ignore format: a lookup table reads better in rows
const FIXED: Record<number, [number, number]> = {
  192: [1, 0], 194: [1, 0], 195: [1, 0], // nil, false, true
  202: [1, 4], 203: [1, 8], // float 32/64
  204: [1, 1], 205: [1, 2], 206: [1, 4], 207: [1, 8], // uint 8–64
  208: [1, 1], 209: [1, 2], 210: [1, 4], 211: [1, 8], // int 8–64
  212: [2, 1], 213: [2, 2], 214: [2, 4], 215: [2, 8], 216: [2, 16], // fixext (type byte in the header)
};

/** Variable-length types: first byte → [bytes of the length field, extra header bytes, what the length counts]. */
// biome-ignore format: a lookup table reads better in rows
const SIZED: Record<number, [1 | 2 | 4, number, "bytes" | "items" | "pairs"]> = {
  196: [1, 0, "bytes"], 197: [2, 0, "bytes"], 198: [4, 0, "bytes"], // bin
  199: [1, 1, "bytes"], 200: [2, 1, "bytes"], 201: [4, 1, "bytes"], // ext (+ type byte)
  217: [1, 0, "bytes"], 218: [2, 0, "bytes"], 219: [4, 0, "bytes"], // str
  220: [2, 0, "items"], 221: [4, 0, "items"], // array
  222: [2, 0, "pairs"], 223: [4, 0, "pairs"], // map
};

/**
 * How far measuring got: `pos` is where the next value to step over starts (or, past the bytes
 * at hand, where the current one's payload ends), `toSkip` how many values remain.
 */
export interface MeasureState {
  pos: number;
  toSkip: number;
}

/** The state that measures one value from the start of the buffer. */
export const startMeasure = (): MeasureState => ({ pos: 0, toSkip: 1 });

/** The byte length of the msgpack value at the start of `buf`. */
export function measureValue(buf: Buffer, maxBytes: number): Measure {
  return measureFrom(buf, startMeasure(), maxBytes);
}

/**
 * Like measureValue, resuming from `state` and updating it: when more bytes of the same value
 * arrive, measuring goes on where it stopped instead of from the start, so a value that arrives
 * in many pieces is measured in time linear in its size.
 */
export function measureFrom(buf: Buffer, state: MeasureState, maxBytes: number): Measure {
  let { pos, toSkip } = state;
  const stop = (m: Measure): Measure => {
    state.pos = pos;
    state.toSkip = toSkip;
    return m;
  };
  while (toSkip > 0) {
    if (pos >= buf.length) return stop(INCOMPLETE);
    const b = buf[pos] as number;
    let head = 1;
    let body = 0;
    let more = 0;
    if (b <= 0x7f || b >= 0xe0) {
      // positive / negative fixint
    } else if (b <= 0x8f) more = (b & 0x0f) * 2;
    else if (b <= 0x9f) more = b & 0x0f;
    else if (b <= 0xbf) body = b & 0x1f;
    else if (FIXED[b]) [head, body] = FIXED[b];
    else if (SIZED[b]) {
      const [width, extra, counts] = SIZED[b];
      if (pos + 1 + width > buf.length) return stop(INCOMPLETE); // its length field is not here yet
      const n =
        width === 1
          ? buf.readUInt8(pos + 1)
          : width === 2
            ? buf.readUInt16BE(pos + 1)
            : buf.readUInt32BE(pos + 1);
      head = 1 + width + extra;
      if (counts === "bytes") body = n;
      else more = counts === "items" ? n : 2 * n;
    } else return stop({ kind: "invalid", reason: `byte 0x${b.toString(16)} starts no msgpack value` });
    toSkip += more - 1;
    pos += head + body;
    // Every value still to skip takes at least one byte: fail early on absurd declared sizes.
    if (pos + toSkip > maxBytes)
      return stop({ kind: "invalid", reason: `message longer than ${maxBytes} bytes` });
  }
  return pos > buf.length ? stop(INCOMPLETE) : stop({ kind: "value", length: pos });
}
