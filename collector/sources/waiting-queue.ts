// A FIFO a stream fills and a reader drains in batches, waiting while it is empty: the shape the
// journal readers (journalctl's output, a journal gateway's answer) share. Taking from the front
// moves an index; the array is compacted only now and then, so draining a long queue stays linear.

export class WaitingQueue<T> {
  #items: T[] = [];
  #head = 0;
  #wake: (() => void) | undefined;

  /** Items waiting to be taken. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Ends a wait() in progress (new items arrived, or the producer stopped). */
  wake(): void {
    this.#wake?.();
  }

  /** Resolves at the next wake(), or after `timeoutMs` when given. */
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      this.#wake = done;
    });
  }

  /** Up to `max` items from the front, oldest first. */
  take(max: number): T[] {
    const end = Math.min(this.#items.length, this.#head + max);
    const out = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
}
