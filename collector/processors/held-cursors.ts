// Cursors of emits whose records are not all in the pipeline's buffer yet (the multi-line joiner
// holds some back). A source's cursor may only move past an emit once every record of it is
// buffered, and of every emit before it: a crash then re-reads a held line instead of losing it.

/** One emit: its cursor and how many of its records are still held. */
export interface Ticket {
  source: string;
  cursor: unknown;
  held: number;
}

export class HeldCursors {
  /** Per source, emits in order whose cursor has not been applied yet. */
  readonly #queues = new Map<string, Ticket[]>();

  /** Registers an emit of `count` records (all held until released). */
  open(source: string, cursor: unknown, count: number): Ticket {
    const t: Ticket = { source, cursor, held: count };
    let q = this.#queues.get(source);
    if (!q) {
      q = [];
      this.#queues.set(source, q);
    }
    q.push(t);
    return t;
  }

  /**
   * The newest cursor of `source` whose emit, and every emit before it, is fully released;
   * undefined when none became applicable since the last call.
   */
  settle(source: string): { cursor: unknown } | undefined {
    const q = this.#queues.get(source);
    let found: { cursor: unknown } | undefined;
    while (q && q.length > 0 && (q[0] as Ticket).held <= 0) {
      const t = q.shift() as Ticket;
      if (t.cursor !== undefined) found = { cursor: t.cursor };
    }
    if (q && q.length === 0) this.#queues.delete(source);
    return found;
  }
}
