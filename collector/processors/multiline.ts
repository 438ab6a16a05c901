// Joins the lines of one stack trace, printed line by line to one container stream, back into one
// record. Only patterns that clearly belong together are joined:
//   Java:   a line, then `\tat …`, `Caused by: …`, `Suppressed: …`, `\t... 12 more`
//   Python: `Traceback (most recent call last):`, indented lines, then the exception line
//   Go:     `panic: …` / `fatal error: …` / `goroutine N [running]:`, then blank lines,
//           `goroutine N [`, `pkg.func(…)`, tab-indented file lines, `created by …`
// A line that might start a trace (it mentions an error, exception, panic …) is held until the
// next line of its stream shows whether a trace follows, or until `lingerMs` passed. Other lines
// pass straight through, so ordinary output is not delayed. Each input line carries a tag (the
// pipeline's cursor ticket) that comes back out with the record it ended up in.
// Lines are judged without their terminal colours: Node greys its internal frames
// (`ESC[90m    at …`), Python 3.13 colours its exception line (`ESC[1;35mValueError ESC[0m: …`).

import type { LogRecord } from "../../protocol/records.ts";
import { withoutEscapes } from "./severity.ts";

export type MultilineMode = "off" | "auto";
export const MULTILINE_LINES_ATTRIBUTE = "fleetscope.multiline_lines";

export interface JoinerOptions {
  lingerMs: number;
  /** A joined record stops growing at this many lines … */
  maxLines: number;
  /** … or bytes (UTF-16 units, close enough for a cap). */
  maxChars: number;
}

export interface Joined<T> {
  record: LogRecord;
  tags: T[];
}

type Kind = "head" | "java" | "python" | "go";

interface Pending<T> {
  first: LogRecord;
  lines: string[];
  chars: number;
  tags: T[];
  kind: Kind;
  since: number;
}

const MAY_START = /error|exception|throwable|traceback|panic|fatal|goroutine \d/i;
const JAVA_MORE = /^(?:\s+at \S|\s*\.\.\. \d+ (?:more|common frames omitted)$|Caused by: |\s*Suppressed: )/;
const PY_HEAD = /^Traceback \(most recent call last\):\s*$/;
/** The last line of a Python trace: `ValueError: bad`, `KeyboardInterrupt`, `mod.Error: …`. */
const PY_EXCEPTION = /^[A-Za-z_][\w.]*(?::.*)?$/;
const GO_HEAD = /^(?:panic: |fatal error: |goroutine \d+ \[)/;
const GO_MORE = /^(?:$|\t|goroutine \d+ \[|created by |\[signal |[\w./*()[\]{}-]+\(.*\)$)/;

export class MultilineJoiner<T> {
  readonly #opts: JoinerOptions;
  readonly #pending = new Map<string, Pending<T>>();

  constructor(opts: JoinerOptions) {
    this.#opts = opts;
  }

  /** Lines held back right now. */
  get held(): number {
    let n = 0;
    for (const p of this.#pending.values()) n += p.lines.length;
    return n;
  }

  /** Feeds one record; returns what is ready, in stream order. */
  push(r: LogRecord, tag: T, now: number): Joined<T>[] {
    if (r.containerId === "") return [{ record: r, tags: [tag] }];
    const key = `${r.source}\u0000${r.containerId}\u0000${r.stream}`;
    const p = this.#pending.get(key);
    // A record that already spans lines (joined by its source) is never joined further.
    const single = !r.body.includes("\n");
    const text = single ? withoutEscapes(r.body) : r.body;
    if (p && single && this.#continues(p, r.body, text)) {
      this.#append(p, r.body, tag);
      return this.#complete(p, text) ? [this.#take(key, p)] : [];
    }
    const out = p ? [this.#take(key, p)] : [];
    const kind = single ? startKind(text) : undefined;
    if (kind)
      this.#pending.set(key, {
        first: r,
        lines: [r.body],
        chars: r.body.length,
        tags: [tag],
        kind,
        since: now,
      });
    else out.push({ record: r, tags: [tag] });
    return out;
  }

  /** Records held longer than lingerMs (all of them with `all`). */
  flush(now: number, all = false): Joined<T>[] {
    const out: Joined<T>[] = [];
    for (const [key, p] of this.#pending) {
      if (all || now - p.since >= this.#opts.lingerMs) out.push(this.#take(key, p));
    }
    return out;
  }

  /** When the oldest held line is due, or undefined when none is held. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const p of this.#pending.values()) due = Math.min(due ?? Infinity, p.since + this.#opts.lingerMs);
    return due;
  }

  /** Whether `line` (`text`: without escape codes) continues the held trace. */
  #continues(p: Pending<T>, line: string, text: string): boolean {
    if (p.lines.length >= this.#opts.maxLines || p.chars + line.length > this.#opts.maxChars) return false;
    switch (p.kind) {
      case "python":
        return /^\s/.test(text) || (p.lines.length > 1 && PY_EXCEPTION.test(text));
      case "go":
        return GO_MORE.test(text);
      default:
        if (!JAVA_MORE.test(text)) return false;
        p.kind = "java";
        return true;
    }
  }

  #append(p: Pending<T>, line: string, tag: T): void {
    p.lines.push(line);
    p.chars += line.length + 1;
    p.tags.push(tag);
  }

  /** A Python trace ends with its first unindented line after the header (the exception). */
  #complete(p: Pending<T>, text: string): boolean {
    return p.kind === "python" && p.lines.length > 2 && !/^\s/.test(text);
  }

  #take(key: string, p: Pending<T>): Joined<T> {
    this.#pending.delete(key);
    if (p.lines.length === 1) return { record: p.first, tags: p.tags };
    const record: LogRecord = {
      ...p.first,
      body: p.lines.join("\n"),
      attributes: { ...p.first.attributes, [MULTILINE_LINES_ATTRIBUTE]: String(p.lines.length) },
    };
    return { record, tags: p.tags };
  }
}

/** Whether a line may be the first of a trace, and of which kind. */
function startKind(line: string): Kind | undefined {
  if (PY_HEAD.test(line)) return "python";
  if (GO_HEAD.test(line)) return "go";
  // Java traces can also open with the `at` lines themselves when their header went elsewhere.
  if (MAY_START.test(line) || JAVA_MORE.test(line)) return "head";
  return undefined;
}
