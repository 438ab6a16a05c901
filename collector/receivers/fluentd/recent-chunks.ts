// Chunk ids of messages already taken in. A sender that did not get its ack in time resends the
// same message with the same `chunk`; Docker 20.10's fluentd driver does so a lot when stdout
// and stderr lines are written at once (its logger can read the other stream's ack, see
// test/fixtures/fluentd/SOURCE.md). Remembering recent ids lets the receiver ack a resend again
// without storing its records twice. Bounded: the oldest ids are forgotten first.
export class RecentChunks {
  readonly #max: number;
  readonly #ids = new Set<string>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.#max) this.#ids.delete(this.#ids.values().next().value as string);
  }

  get size(): number {
    return this.#ids.size;
  }
}
