// RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`, `-` for
// any field left out. Docker's driver sends APP-NAME = MSGID = its `tag` and PROCID = dockerd's
// pid: `<30>1 2026-11-22T04:57:34.223968Z vm e8f7ff5c8811 22540 e8f7ff5c8811 - line`.
// Strict about the header (a broken one means we would misread the line), lenient about
// TIMESTAMP (an unreadable one falls back to the time of receipt, see to-record.ts).
import type { ParseResult } from "./message.ts";
import type { Priority } from "./priority.ts";
import { parseStructuredData } from "./structured-data.ts";
import { parseRfc5424Time } from "./timestamp.ts";

/** Longest each header field may be (RFC 5424 §6): HOSTNAME 255, APP-NAME 48, PROCID 128, MSGID 32. */
const MAX_FIELD = [64, 255, 48, 128, 32] as const;
const HEADER_NAMES = ["TIMESTAMP", "HOSTNAME", "APP-NAME", "PROCID", "MSGID"] as const;
const BOM = "\uFEFF";

export function parseRfc5424(text: string, pri: Priority): ParseResult {
  let at = pri.end + 2; // after "1 "
  const fields: string[] = [];
  for (let i = 0; i < HEADER_NAMES.length; i++) {
    const space = text.indexOf(" ", at);
    const value = space < 0 ? "" : text.slice(at, space);
    // Docker puts its tag in APP-NAME and MSGID as is, longer than the RFC allows: 4× of slack.
    if (value === "" || value.length > 4 * (MAX_FIELD[i] as number))
      return { ok: false, reason: `RFC 5424 header: bad or missing ${HEADER_NAMES[i]}` };
    fields.push(value === "-" ? "" : value);
    at = space + 1;
  }
  const sd = parseStructuredData(text, at);
  if (!sd.ok) return { ok: false, reason: `RFC 5424 STRUCTURED-DATA: ${sd.reason}` };
  if (sd.end < text.length && text[sd.end] !== " ")
    return { ok: false, reason: "RFC 5424: no space after STRUCTURED-DATA" };
  let message = text.slice(sd.end + 1);
  if (message.startsWith(BOM)) message = message.slice(1);
  const [stamp, hostname, appName, procId, msgId] = fields as [string, string, string, string, string];
  return {
    ok: true,
    message: {
      format: "rfc5424",
      facility: pri.facility,
      severity: pri.severity,
      time: stamp === "" ? undefined : parseRfc5424Time(stamp),
      hostname,
      appName,
      procId,
      msgId,
      structuredData: sd.params,
      message,
    },
  };
}
