// The embedded store's one lane to chDB, reads first.
//
// Embedded chDB runs one statement at a time for the whole process, in the order they come
// (measured: a `SELECT 1` sent while an insert waited behind a long query answered only after
// both). Left to chDB, a person's query waits behind every batch insert queued before it: under a
// log storm, seconds per query (bench/pipeline.ts's flood run). So the store hands chDB one
// statement at a time itself and takes reads before waiting writes; a write passed over
// MAX_PASSED times goes next, so ingest keeps moving under any query load. Within each kind, a
// statement someone waits for goes before the others waiting: a small write (a collector's batch
// of a few quiet containers' lines) before the big ones (a flood's), as the collector sends it
// ahead of them too; a read for an API request before the incident detector's own (its full run
// queues four, a few hundred milliseconds on a big store), each waiting one passed MAX_OVERTAKEN
// times at most. A ClickHouse server runs statements in parallel and has no lane.

/** Reads that may go ahead of a waiting write before it goes. */
export const MAX_PASSED = 4;

/**
 * Statements `ahead` that may go before a waiting one of their kind before it goes: a stream of
 * them (API reads from anyone with a token, small batches from many collectors) delays the
 * detector's reads and a flood's big batches, never stops them.
 */
export const MAX_OVERTAKEN = 8;

export type LaneKind = "read" | "write";

interface Waiter {
  start: () => void;
  ahead: boolean;
  /** Statements `ahead` put before this one while it waited. */
  overtaken: number;
}

export class StoreLane {
  #busy = false;
  readonly #reads: Waiter[] = [];
  readonly #writes: Waiter[] = [];
  /** Reads run while the oldest write waited. */
  #passed = 0;

  /** Statements waiting for the lane, by kind (for metrics and tests). */
  get waiting(): { reads: number; writes: number } {
    return { reads: this.#reads.length, writes: this.#writes.length };
  }

  /**
   * Runs `fn` once the lane is free and it is this statement's turn. A read whose `signal` aborts
   * while it waits leaves the queue without running (its caller has gone). A statement `ahead` (a
   * small write, a request's read) waits behind the others of its kind that are ahead only, and
   * behind one that was passed MAX_OVERTAKEN times.
   */
  async run<T>(kind: LaneKind, fn: () => Promise<T>, signal?: AbortSignal, ahead = false): Promise<T> {
    if (this.#busy || this.#reads.length + this.#writes.length > 0) await this.#turn(kind, signal, ahead);
    else this.#busy = true;
    try {
      return await fn();
    } finally {
      this.#next();
    }
  }

  #turn(kind: LaneKind, signal: AbortSignal | undefined, ahead: boolean): Promise<void> {
    const queue = kind === "read" ? this.#reads : this.#writes;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        ahead,
        overtaken: 0,
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        reject(signal?.reason ?? new Error("aborted"));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      if (ahead) this.#overtake(queue, waiter);
      else queue.push(waiter);
      if (!this.#busy) this.#next();
    });
  }

  /**
   * Puts `waiter` before the waiting statements that are not `ahead`, unless the oldest of them was
   * passed MAX_OVERTAKEN times already: then behind all. Those after the oldest were passed no
   * more often than it, so none is passed more than MAX_OVERTAKEN times.
   */
  #overtake(queue: Waiter[], waiter: Waiter): void {
    const first = queue.findIndex((w) => !w.ahead);
    if (first < 0 || (queue[first] as Waiter).overtaken >= MAX_OVERTAKEN) {
      queue.push(waiter);
      return;
    }
    for (let i = first; i < queue.length; i++) (queue[i] as Waiter).overtaken++;
    queue.splice(first, 0, waiter);
  }

  /** Hands the lane to the next statement: a read, unless a write has been passed over enough. */
  #next(): void {
    const writeDue = this.#writes.length > 0 && (this.#reads.length === 0 || this.#passed >= MAX_PASSED);
    const next = writeDue ? this.#writes.shift() : this.#reads.shift();
    if (writeDue) this.#passed = 0;
    else if (next && this.#writes.length > 0) this.#passed++;
    this.#busy = next !== undefined;
    next?.start();
  }
}
