// GELF over UDP splits a message larger than one datagram into chunks: magic 0x1e 0x0f, an
// 8-byte message id, the sequence number and the count (at most 128), then the piece. Docker's
// driver sends 1420-byte datagrams. Reassembly keeps incomplete messages for `timeoutMs` (5 s,
// like Graylog) and within a cap on messages and bytes; what it has to drop it counts.

export const CHUNK_MAGIC_0 = 0x1e;
export const CHUNK_MAGIC_1 = 0x0f;
const HEADER_BYTES = 12;
const MAX_CHUNKS = 128;

export interface ChunkLimits {
  timeoutMs: number;
  maxPendingMessages: number;
  maxPendingBytes: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = {
  timeoutMs: 5000,
  maxPendingMessages: 1000,
  maxPendingBytes: 32 * 1024 * 1024,
};

export type ChunkResult =
  | { kind: "complete"; payload: Buffer }
  | { kind: "pending" }
  | { kind: "malformed"; reason: string };

interface Pending {
  parts: (Buffer | undefined)[];
  received: number;
  bytes: number;
  firstAt: number;
}

export function isChunk(datagram: Buffer): boolean {
  return datagram.length >= 2 && datagram[0] === CHUNK_MAGIC_0 && datagram[1] === CHUNK_MAGIC_1;
}

export class ChunkReassembler {
  readonly #limits: ChunkLimits;
  /** Insertion order = arrival of the first chunk, so the first entry is the oldest. */
  readonly #pending = new Map<string, Pending>();
  #bytes = 0;
  /** Incomplete messages dropped to stay within the caps. */
  evicted = 0;
  /** Incomplete messages dropped because their other chunks did not come in time. */
  expired = 0;

  constructor(limits: Partial<ChunkLimits> = {}) {
    this.#limits = { ...DEFAULT_CHUNK_LIMITS, ...limits };
  }

  get pendingMessages(): number {
    return this.#pending.size;
  }

  get pendingBytes(): number {
    return this.#bytes;
  }

  /** Takes one chunk datagram from `sender`; returns the whole payload once its last chunk came. */
  add(datagram: Buffer, sender: string, now: number): ChunkResult {
    if (datagram.length <= HEADER_BYTES)
      return { kind: "malformed", reason: "GELF chunk shorter than its header" };
    const seq = datagram[10] as number;
    const count = datagram[11] as number;
    if (count < 1 || count > MAX_CHUNKS)
      return { kind: "malformed", reason: `GELF chunk count ${count} not in 1..128` };
    if (seq >= count)
      return { kind: "malformed", reason: `GELF chunk number ${seq} not below its count ${count}` };
    const piece = datagram.subarray(HEADER_BYTES);
    if (count === 1) return { kind: "complete", payload: piece };

    const key = `${sender}/${datagram.toString("hex", 2, 10)}`;
    let p = this.#pending.get(key);
    if (p && p.parts.length !== count) {
      this.#drop(key, p);
      return {
        kind: "malformed",
        reason: `GELF chunks of one message disagree on their count (${p.parts.length}, ${count})`,
      };
    }
    if (!p) {
      p = { parts: new Array(count).fill(undefined), received: 0, bytes: 0, firstAt: now };
      this.#pending.set(key, p);
    }
    if (p.parts[seq]) return { kind: "pending" }; // a duplicate datagram: UDP may repeat one
    p.parts[seq] = piece;
    p.received++;
    p.bytes += piece.length;
    this.#bytes += piece.length;
    if (p.received === count) {
      this.#drop(key, p);
      return { kind: "complete", payload: Buffer.concat(p.parts as Buffer[]) };
    }
    this.#evictOverCaps(key);
    return { kind: "pending" };
  }

  /** Drops messages older than the timeout; returns how many. */
  sweep(now: number): number {
    let n = 0;
    for (const [key, p] of this.#pending) {
      if (now - p.firstAt < this.#limits.timeoutMs) break; // the rest are younger
      this.#drop(key, p);
      n++;
    }
    this.expired += n;
    return n;
  }

  // The oldest incomplete messages go first; the one just added stays if it fits by itself.
  #evictOverCaps(current: string): void {
    const { maxPendingMessages, maxPendingBytes } = this.#limits;
    for (const [key, p] of this.#pending) {
      if (this.#pending.size <= maxPendingMessages && this.#bytes <= maxPendingBytes) return;
      if (key === current && this.#pending.size === 1) return;
      this.#drop(key, p);
      this.evicted++;
    }
  }

  #drop(key: string, p: Pending): void {
    this.#pending.delete(key);
    this.#bytes -= p.bytes;
  }
}
