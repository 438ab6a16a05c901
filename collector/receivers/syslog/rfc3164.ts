// RFC 3164 (BSD syslog): `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`. Senders vary, so every
// part after the PRI is optional and nothing here fails: what does not fit is message text.
// Docker's driver sends this with `syslog-format=rfc3164`, and without HOSTNAME by default
// (its "unix" format): `<30>Nov 22 04:57:27 c6c12d9df233[22540]: line`.
import type { SyslogMessage } from "./message.ts";
import type { Priority } from "./priority.ts";
import { parseRfc3164Stamp, parseRfc5424Time } from "./timestamp.ts";

/** A TAG token: anything up to `:` at the end of the word, with an optional `[PID]` before it. */
const TAG = /^(\S*?)(?:\[(\d{1,10})\])?:$/;

export function parseRfc3164(text: string, pri: Priority, now: Date): SyslogMessage {
  let rest = text.slice(pri.end);
  let time: string | undefined;
  // The classic stamp, or an RFC 3339 one (rsyslog's forward format) up to the first space.
  const stamp = parseRfc3164Stamp(rest.slice(0, 15), now);
  if (stamp !== undefined && rest[15] === " ") {
    time = stamp;
    rest = rest.slice(16);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(rest)) {
    const space = rest.indexOf(" ");
    time = parseRfc5424Time(space < 0 ? rest : rest.slice(0, space));
    if (time !== undefined) rest = space < 0 ? "" : rest.slice(space + 1);
  }

  let hostname = "";
  let tag = word(rest);
  if (time !== undefined && !TAG.test(tag) && tag !== "") {
    // A first word that is not a tag is the HOSTNAME (only after a timestamp, as the RFC has it).
    hostname = tag;
    rest = rest.slice(tag.length + 1);
    tag = word(rest);
  }
  const m = TAG.exec(tag);
  let appName = "";
  let procId = "";
  if (m && tag.length > 1) {
    appName = m[1] as string;
    procId = m[2] ?? "";
    rest = rest.slice(tag.length + 1);
  }
  return {
    format: "rfc3164",
    facility: pri.facility,
    severity: pri.severity,
    time,
    hostname,
    appName,
    procId,
    msgId: "",
    structuredData: {},
    message: rest,
  };
}

/** The text up to the first space (all of it when there is none). */
function word(s: string): string {
  const space = s.indexOf(" ");
  return space < 0 ? s : s.slice(0, space);
}
