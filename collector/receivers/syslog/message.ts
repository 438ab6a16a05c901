// One parsed syslog message, whichever format it came in.
import { parsePriority } from "./priority.ts";
import { parseRfc3164 } from "./rfc3164.ts";
import { parseRfc5424 } from "./rfc5424.ts";

export interface SyslogMessage {
  format: "rfc3164" | "rfc5424";
  facility: number;
  severity: number;
  /** RFC 3339 UTC; undefined when the message had none (or one we could not read). */
  time: string | undefined;
  hostname: string;
  /** RFC 3164 TAG / RFC 5424 APP-NAME: Docker's `tag` log option. */
  appName: string;
  procId: string;
  msgId: string;
  /** RFC 5424 structured data, flattened to `sd-id.param-name` → value. */
  structuredData: Record<string, string>;
  message: string;
}

export type ParseResult = { ok: true; message: SyslogMessage } | { ok: false; reason: string };

/**
 * Parses one frame's text (no trailing newline). RFC 5424 is recognised by its VERSION `1` right
 * after the PRI; anything else with a valid PRI is read as RFC 3164, which is lenient by design.
 */
export function parseSyslog(text: string, now: Date): ParseResult {
  const pri = parsePriority(text);
  if (!pri) return { ok: false, reason: "no <PRI> (expected <0>…<191> at the start)" };
  if (text.startsWith("1 ", pri.end)) return parseRfc5424(text, pri);
  return { ok: true, message: parseRfc3164(text, pri, now) };
}
