// The PRI part `<N>` that starts every syslog message: N = facility × 8 + severity (RFC 5424 §6.2.1).
//
// Severity → OpenTelemetry: the journal's table (protocol/severity.ts), so that a syslog line and
// a journal line of the same priority look alike and `?priority=` finds both.
import { priorityToSeverity } from "../../../protocol/severity.ts";

export const FACILITIES = [
  "kern",
  "user",
  "mail",
  "daemon",
  "auth",
  "syslog",
  "lpr",
  "news",
  "uucp",
  "cron",
  "authpriv",
  "ftp",
  "ntp",
  "security",
  "console",
  "solaris-cron",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
] as const;

export const SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"] as const;

export interface Priority {
  facility: number;
  severity: number;
  /** Index just after the closing `>`. */
  end: number;
}

/** Reads `<N>` (1–3 digits, no leading zero except `<0>`, N ≤ 191) at the start; undefined if absent. */
export function parsePriority(text: string): Priority | undefined {
  const m = /^<(0|[1-9]\d{0,2})>/.exec(text);
  const n = m ? Number(m[1]) : 192;
  if (!m || n > 191) return undefined;
  return { facility: n >> 3, severity: n & 7, end: m[0].length };
}

/** OpenTelemetry severity number and text of a syslog severity 0–7. */
export function otelSeverity(severity: number): { number: number; text: string } {
  return priorityToSeverity(String(severity));
}
