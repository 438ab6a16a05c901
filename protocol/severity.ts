// Severity, the one table: OpenTelemetry's severity numbers and range names, and how a syslog
// priority (journald's PRIORITY, a syslog PRI, GELF's level) maps onto them. The collector stamps
// records with it; the aggregator's `?priority=` filter reads it backwards. Both use this file,
// so a journal line, a syslog line and a filter for them cannot disagree.
//
// Numbers are OpenTelemetry's: a range per level, higher = more severe within it
// (TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24). The text is the range
// name only, so text filters agree across sources.

export interface Severity {
  number: number;
  text: string;
}

/** The first number of each range: what a level word in a line (`ERROR`, `warn`) is stamped with. */
export const TRACE: Severity = { number: 1, text: "TRACE" };
export const DEBUG: Severity = { number: 5, text: "DEBUG" };
export const INFO: Severity = { number: 9, text: "INFO" };
export const WARN: Severity = { number: 13, text: "WARN" };
export const ERROR: Severity = { number: 17, text: "ERROR" };
export const FATAL: Severity = { number: 21, text: "FATAL" };

/** No severity known: the protocol gave none and the line named none. */
export const UNKNOWN_SEVERITY: Severity = { number: 0, text: "" };

/**
 * Syslog priority (the index, 0–7) → severity. emerg, alert and crit are all FATAL, told apart
 * by their number; notice sits just above info inside the INFO range.
 */
const BY_PRIORITY: readonly Severity[] = [
  { number: 23, text: "FATAL" }, // 0 emerg
  { number: 22, text: "FATAL" }, // 1 alert
  { number: 21, text: "FATAL" }, // 2 crit
  { number: 17, text: "ERROR" }, // 3 err
  { number: 13, text: "WARN" }, // 4 warning
  { number: 10, text: "INFO" }, // 5 notice
  { number: 9, text: "INFO" }, // 6 info
  { number: 5, text: "DEBUG" }, // 7 debug
];

/** Severity for a syslog priority "0"–"7"; unknown otherwise. */
export function priorityToSeverity(priority: string): Severity {
  return /^[0-7]$/.test(priority) ? (BY_PRIORITY[Number(priority)] ?? UNKNOWN_SEVERITY) : UNKNOWN_SEVERITY;
}

/**
 * The lowest severity number a `priority` filter (journalctl -p: this priority and more severe)
 * takes. For emerg, alert and crit that is the whole FATAL range: a FATAL line from another source
 * (a `panic:` in container output is 21) is as severe as a journal crit.
 */
export function minSeverityForPriority(priority: number): number {
  const own = BY_PRIORITY[priority] ?? (UNKNOWN_SEVERITY as Severity);
  return own.text === FATAL.text ? FATAL.number : own.number;
}
