// Whether the store has been taking batches: /healthz reports the failures, and calls the
// aggregator degraded while the latest insert failed and none has succeeded since.

/** Degraded for at least this long after a failure with no success after it. */
const RECENT_MS = 5 * 60_000;

export interface InsertFailure {
  /** RFC 3339 time of the failure. */
  at: string;
  error: string;
}

export class InsertHealth {
  #failures = 0;
  #lastFailure: (InsertFailure & { ms: number }) | undefined;
  #lastSuccessMs = 0;

  failed(err: unknown): void {
    this.#failures++;
    const ms = Date.now();
    // First line only: enough to tell a full disk from a lost server, no stack or SQL.
    const error =
      String((err as Error)?.message ?? err)
        .split("\n")[0]
        ?.slice(0, 300) ?? "";
    this.#lastFailure = { at: new Date(ms).toISOString(), error, ms };
  }

  succeeded(): void {
    this.#lastSuccessMs = Date.now();
  }

  get failures(): number {
    return this.#failures;
  }

  get lastFailure(): InsertFailure | undefined {
    const f = this.#lastFailure;
    return f && { at: f.at, error: f.error };
  }

  /** A failure in the last few minutes with no successful insert after it. */
  failingNow(now = Date.now()): boolean {
    const f = this.#lastFailure;
    return !!f && now - f.ms < RECENT_MS && f.ms >= this.#lastSuccessMs;
  }
}
