// Input a receiver has to skip is counted (fleetscope_collector_input_{rejected,dropped}_total,
// by the issue's stage and reason) one message at a time and logged with what a person needs to
// act on: the peer, the reason in words and a short escaped sample. A flood of garbage must not
// flood the log too, so at most `perWindow` lines are logged per window and the rest summed up in
// one line when the next window starts.
import type { InputIssue } from "../../input-issues.ts";
import type { SourceContext } from "../../sources/source.ts";

export class InputReporter {
  readonly #ctx: Pick<SourceContext, "log" | "skippedInput">;
  readonly #what: string;
  readonly #perWindow: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #logged = 0;
  #suppressed = 0;

  constructor(
    ctx: Pick<SourceContext, "log" | "skippedInput">,
    what: string,
    perWindow = 10,
    windowMs = 10_000,
  ) {
    this.#ctx = ctx;
    this.#what = what;
    this.#perWindow = perWindow;
    this.#windowMs = windowMs;
  }

  /** Counts `count` skipped messages under `issue` and logs `why` (rate-limited). */
  report(
    issue: InputIssue,
    why: string,
    details: { peer?: string; sample?: Buffer | string; bytes?: number },
    count = 1,
  ): void {
    this.#ctx.skippedInput?.(issue, count);
    const now = Date.now();
    if (now - this.#windowStart >= this.#windowMs) {
      if (this.#suppressed > 0)
        this.#ctx.log.warn({ suppressed: this.#suppressed }, `${this.#what}: more input skipped`);
      this.#windowStart = now;
      this.#logged = 0;
      this.#suppressed = 0;
    }
    if (this.#logged >= this.#perWindow) {
      this.#suppressed += count;
      return;
    }
    this.#logged++;
    const { sample, ...rest } = details;
    const what = issue.outcome === "rejected" ? "skipped malformed input" : "dropped input";
    this.#ctx.log.warn(
      { ...rest, ...(sample !== undefined ? { sample: escapeSample(sample) } : {}), reason: issue.reason },
      `${this.#what}: ${what} (${why})`,
    );
  }
}

/** The first bytes, printable: control characters and invalid UTF-8 escaped, so a log stays one line. */
export function escapeSample(sample: Buffer | string, max = 120): string {
  const text = typeof sample === "string" ? sample.slice(0, max) : sample.subarray(0, max).toString("latin1");
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u007f-\u00ff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}
