// Severity for log lines that carry none from their protocol (container output, mostly), derived
// from what the line says about itself: a level field (`level=error`, `"level":"warn"`, pino's
// numeric `"level":50`), a klog prefix (`W1122 …`), a level word at the start or in brackets
// (`ERROR …`, `[warn]`, `<Error>`), or a crash header (`panic:`, `Traceback …`).
//
// Terminal colours are looked through: a program writing to a terminal (or a container run with
// `-t`) wraps its level word in escape codes (logrus: `ESC[31mERRO ESC[0m[0000] …`), and a line is
// judged by the text a person sees.
//
// The stream alone is NOT a level: plenty of programs log everything to stderr (Python's logging,
// nginx, most Go CLIs). A stderr line without a level word stays unknown (0, ""); the `stream`
// column already says stderr, so nothing is lost.
//
// Numbers and texts are protocol/severity.ts's: the first number of each OpenTelemetry range, the
// range name as text, as for the journal's PRIORITY.

import { DEBUG, ERROR, FATAL, INFO, type Severity, TRACE, WARN } from "../../protocol/severity.ts";

/**
 * Level names as programs spell them (lower-cased), including common abbreviations and logrus's
 * four-letter ones in its terminal format (`TRAC`, `DEBU`, `ERRO`, `FATA`, `PANI`).
 */
// Looked up with words from the line: without a prototype, "__proto__" or "constructor" find nothing.
const BY_WORD: Record<string, Severity> = Object.assign(Object.create(null), {
  trace: TRACE,
  trc: TRACE,
  trac: TRACE,
  finest: TRACE,
  debug: DEBUG,
  dbg: DEBUG,
  dbug: DEBUG,
  debu: DEBUG,
  fine: DEBUG,
  info: INFO,
  inf: INFO,
  information: INFO,
  informational: INFO,
  notice: INFO,
  warn: WARN,
  wrn: WARN,
  warning: WARN,
  error: ERROR,
  err: ERROR,
  eror: ERROR,
  erro: ERROR,
  severe: ERROR,
  fatal: FATAL,
  ftl: FATAL,
  fata: FATAL,
  crit: FATAL,
  critical: FATAL,
  panic: FATAL,
  pani: FATAL,
  emerg: FATAL,
  emergency: FATAL,
  alert: FATAL,
});

/** klog / glog: `I1122 02:22:03.123456 …`. */
const KLOG: Record<string, Severity> = Object.assign(Object.create(null), {
  I: INFO,
  W: WARN,
  E: ERROR,
  F: FATAL,
});

/** Only the head of a line is searched for words: a level is stated early, text later may mention anything. */
const HEAD_CHARS = 160;
/** Field names that hold a level, in logfmt and JSON. */
const LEVEL_KEYS = ["level", "lvl", "severity", "loglevel", "log_level", "log.level", "levelname"];

const LOGFMT_LEVEL = /(?:^|\s)(?:level|lvl|severity|loglevel|log_level|log\.level)="?([A-Za-z]{2,13})\b/i;
const KLOG_PREFIX = /^([IWEF])\d{4} \d\d:\d\d:\d\d/;
/**
 * An upper-case level word standing alone (space, bracket, colon, dot or pipe around it; logrus
 * puts its `[0000]` clock right after it) …
 */
const UPPER_WORD =
  /(?:^|[\s[(<|:.])(TRACE|TRAC|DEBUG|DEBU|DBG|INFO|INF|NOTICE|WARN|WARNING|WRN|ERROR|ERRO|ERR|FATAL|FATA|FTL|CRIT|CRITICAL|PANIC|PANI|SEVERE|EMERG|ALERT)(?=$|[\s\]):>|,[])/;
/** … among the first few words: after a timestamp, a thread or a logger name, not in the prose. */
const UPPER_WORD_TOKENS = 5;
/** Any case, but only in brackets: `[warn]`, `<Error>`, `(debug)`. */
const BRACKETED = /[[<(]([A-Za-z]{3,13})[\]>)]/g;
const CRASH_HEADERS: readonly (readonly [RegExp, Severity])[] = [
  [/^panic: /, FATAL],
  [/^fatal error: /, FATAL],
  [/^Traceback \(most recent call last\):/, ERROR],
  [/^Exception in thread "/, ERROR],
  // The exception line of a trace: `ValueError: …`, `java.lang.IllegalStateException: …`.
  [/^(?:[\w$]+\.)*[\w$]*(?:Error|Exception)(?::|$)/, ERROR],
];
/** A level word of any case opening the line with a colon: `error: …`, `Warning: …`, rustc's `error[E0425]: …`. */
const LEADING_WORD = /^([A-Za-z]{3,13})(?:\[\w+\])?: /;

/** Terminal control sequences (CSI: colours `ESC[31m`, erasing `ESC[2K` …): they carry no text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;

/** The text with terminal control sequences removed, for the detectors that read a line's words. */
export function withoutEscapes(text: string): string {
  return text.includes("\u001b") ? text.replace(CSI, "") : text;
}

/** The severity a level word or number names, or undefined. */
export function severityFromLevel(value: unknown): Severity | undefined {
  if (typeof value === "number") return severityFromNumber(value);
  if (typeof value !== "string" || value.length > 16) return undefined;
  const word = BY_WORD[value.toLowerCase()];
  if (word) return word;
  return /^\d{1,2}$/.test(value) ? severityFromNumber(Number(value)) : undefined;
}

/** pino/bunyan numbers (10 trace … 60 fatal); syslog priorities 0–7 are too ambiguous to guess. */
function severityFromNumber(n: number): Severity | undefined {
  if (!Number.isInteger(n) || n < 10 || n > 60 || n % 10 !== 0) return undefined;
  return [TRACE, DEBUG, INFO, WARN, ERROR, FATAL][n / 10 - 1];
}

/** From structured fields (see structured.ts): the first level-like key that names a level. */
export function severityFromFields(fields: Record<string, string> | undefined): Severity | undefined {
  if (!fields) return undefined;
  for (const key of LEVEL_KEYS) {
    const v = fields[key];
    if (v !== undefined) {
      const s = severityFromLevel(v);
      if (s) return s;
    }
  }
  return undefined;
}

/** From the text of a line; undefined when it says nothing about its level. */
export function severityFromText(line: string): Severity | undefined {
  // Escape codes are stripped from a bounded head only: a huge line costs no more than a short one.
  const body = withoutEscapes(line.length > 4 * 1024 ? line.slice(0, 4 * 1024) : line);
  const head = body.length > HEAD_CHARS ? body.slice(0, HEAD_CHARS) : body;
  const kv = body.includes("=") ? LOGFMT_LEVEL.exec(body.length > 1024 ? body.slice(0, 1024) : body) : null;
  if (kv) {
    const s = severityFromLevel(kv[1]);
    if (s) return s;
  }
  const klog = KLOG_PREFIX.exec(head);
  if (klog) return KLOG[klog[1] as string];
  for (const [re, sev] of CRASH_HEADERS) {
    if (re.test(head)) return sev;
  }
  const leading = LEADING_WORD.exec(head);
  const word = leading && BY_WORD[(leading[1] as string).toLowerCase()];
  if (word) return word;
  const upper = UPPER_WORD.exec(firstTokens(head, UPPER_WORD_TOKENS));
  if (upper) return BY_WORD[(upper[1] as string).toLowerCase()];
  if (!/[[<(]/.test(head)) return undefined;
  for (const m of head.matchAll(BRACKETED)) {
    const s = BY_WORD[(m[1] as string).toLowerCase()];
    if (s) return s;
  }
  return undefined;
}

/** The text up to the end of the n-th space-separated word. */
function firstTokens(s: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i++) {
    while (s.charCodeAt(at) === 32) at++;
    const next = s.indexOf(" ", at);
    if (next < 0) return s;
    at = next;
  }
  return s.slice(0, at);
}
