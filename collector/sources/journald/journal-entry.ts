// Maps one `journalctl -o json --all` entry to a LogRecord. Pure, and never throws: the journal
// accepts arbitrary client-supplied fields, so every field is treated as untrusted.
//
// What journalctl (252) prints for a field value:
//   - a string when the value is printable UTF-8 (newlines and tabs included);
//   - an array of byte values (numbers) when it is not (binary, invalid UTF-8, control chars);
//   - null when the value is larger than 4096 bytes and `--all` was not given;
//   - an array of the above when the field occurs several times in the entry.
// It prints no `__SEQNUM` (only systemd ≥ 254 does): the sequence number is the `i=` part
// (hex) of `__CURSOR`.
//
// Severity: syslog PRIORITY → OpenTelemetry severity by protocol/severity.ts (0 emerg → 23 FATAL …
// 7 debug → 5 DEBUG); the raw priority stays in `journal.priority`.
// Container entries (Docker's journald driver) are the exception: there PRIORITY only encodes the
// stream (6 = stdout, 3 = stderr), which says nothing about severity, so severity is unknown
// (0, "") as for other container log sources, and `stream` carries it instead.
//
// Attributes (only when present and non-empty):
//   journal.cursor ← __CURSOR             journal.boot_id ← _BOOT_ID
//   journal.machine_id ← _MACHINE_ID      journal.hostname ← _HOSTNAME
//   journal.transport ← _TRANSPORT        journal.comm ← _COMM
//   journal.exe ← _EXE                    journal.cmdline ← _CMDLINE (secret values masked)
//   journal.uid ← _UID                    journal.gid ← _GID
//   journal.user_unit ← _SYSTEMD_USER_UNIT  journal.syslog_facility ← SYSLOG_FACILITY
//   journal.priority ← PRIORITY           journal.container_tag ← CONTAINER_TAG
//   journal.container_partial ← CONTAINER_PARTIAL_MESSAGE (Docker splits lines > 16 KiB)
//   journal.systemd_unit ← _SYSTEMD_UNIT (the writer's unit; `unit` is the unit the entry is about)
//   journal.invocation_id ← INVOCATION_ID (systemd's lines about one run of a unit share it)
//   journal.pid ← _PID, for container entries only: there _PID is dockerd's, so `pid` is 0.
//
// Unit: the unit the entry is ABOUT, matched the way `journalctl -u UNIT` does (systemd 252
// add_matches_for_unit): systemd's own lines about a unit ("Main process exited", "Failed with
// result …") are written by PID 1, whose cgroup is init.scope, with `UNIT=<the unit>`; a root
// daemon's line about another process carries `OBJECT_SYSTEMD_UNIT` (journald adds it from
// OBJECT_PID); systemd-coredump's report carries `COREDUMP_UNIT`. Any other process speaks for its
// own unit (`_SYSTEMD_UNIT`, which journald derives from its cgroup and a client cannot forge). A
// client-supplied `UNIT=` counts only when the writer's unit is unknown (no systemd as PID 1, or a
// sender gone before journald could read its cgroup).
//   journal.message_binary = "true" when MESSAGE was not valid UTF-8 (decoded with U+FFFD).
//   journal.message_missing = "true" when MESSAGE was absent or null.
//
// Trust: any local user can write any field that does not start with `_` (`logger --journald`),
// so the fields that claim something are believed only from the writer entitled to say it,
// judged by the fields journald itself stamps (`_UID`, `_COMM`, `_EXE`, `_PID`, `_SYSTEMD_UNIT`):
//   - container fields (CONTAINER_ID_FULL, CONTAINER_NAME, IMAGE_NAME) only from the Docker daemon
//     (root, dockerd); from anyone else the record is no container's, the claims stay as
//     journal.container_id / journal.container_name / journal.image_name;
//   - UNIT= only from PID 1 (or a root writer in init.scope, where PID 1 lives), as above.
// A claim not believed is listed in journal.unverified ("container", "unit", comma-separated).

import { type LogRecord, newAttributes } from "../../../protocol/records.ts";
import { defaultScrubber } from "../../../protocol/secrets.ts";
import { priorityToSeverity, UNKNOWN_SEVERITY } from "../../../protocol/severity.ts";
import { nanosToRfc3339 } from "../../../protocol/time.ts";

/** One parsed line of `journalctl -o json`; values as described above. */
export type JournalEntry = Record<string, unknown>;

const ATTRIBUTE_FIELDS: readonly (readonly [field: string, key: string])[] = [
  ["__CURSOR", "journal.cursor"],
  ["_BOOT_ID", "journal.boot_id"],
  ["_MACHINE_ID", "journal.machine_id"],
  ["_HOSTNAME", "journal.hostname"],
  ["_TRANSPORT", "journal.transport"],
  ["_COMM", "journal.comm"],
  ["_EXE", "journal.exe"],
  ["_CMDLINE", "journal.cmdline"],
  ["_UID", "journal.uid"],
  ["_GID", "journal.gid"],
  ["_SYSTEMD_UNIT", "journal.systemd_unit"],
  ["INVOCATION_ID", "journal.invocation_id"],
  ["_SYSTEMD_USER_UNIT", "journal.user_unit"],
  ["SYSLOG_FACILITY", "journal.syslog_facility"],
  ["PRIORITY", "journal.priority"],
  ["CONTAINER_TAG", "journal.container_tag"],
  ["CONTAINER_PARTIAL_MESSAGE", "journal.container_partial"],
];

const utf8 = new TextDecoder("utf-8", { fatal: false });
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function isByteArray(v: unknown[]): v is number[] {
  return v.every((b) => typeof b === "number" && Number.isInteger(b) && b >= 0 && b <= 255);
}

interface Decoded {
  text: string;
  /** True when the value was a byte array that is not valid UTF-8. */
  binary: boolean;
}

/**
 * Decodes one field value to text, or undefined when absent/null. A field that occurs several
 * times yields its first value, as `sd_journal_get_data` does.
 */
export function decodeField(value: unknown): Decoded | undefined {
  if (typeof value === "string") return { text: value, binary: false };
  if (typeof value === "number" || typeof value === "boolean") return { text: String(value), binary: false };
  if (!Array.isArray(value)) return undefined;
  if (isByteArray(value)) {
    const bytes = Uint8Array.from(value);
    try {
      // Printable-but-control-char values arrive as arrays too; those are still valid UTF-8.
      return { text: strictUtf8.decode(bytes), binary: false };
    } catch {
      return { text: utf8.decode(bytes), binary: true };
    }
  }
  for (const v of value) {
    // A multi-valued field lists strings, byte arrays or nulls; anything else is not a value.
    if (typeof v !== "string" && !Array.isArray(v)) continue;
    const d = decodeField(v);
    if (d) return d;
  }
  return undefined;
}

function text(entry: JournalEntry, field: string): string {
  return decodeField(entry[field])?.text ?? "";
}

/** A decimal PID (at most 2^32 - 1, the store's column); 0 otherwise. */
function toInt(s: string): number {
  const n = /^\d{1,10}$/.test(s) ? Number(s) : 0;
  return n <= 0xffffffff ? n : 0;
}

/** `__REALTIME_TIMESTAMP` (µs since the epoch, decimal) → RFC 3339 with 9 fractional digits. */
export function realtimeToRfc3339(micros: string): string | undefined {
  // Up to 9999-12-31: a later year is not RFC 3339 (and only a broken clock writes it).
  if (!/^\d{1,19}$/.test(micros) || BigInt(micros) >= 253_402_300_800_000_000n) return undefined;
  try {
    return nanosToRfc3339(BigInt(micros) * 1000n);
  } catch {
    return undefined; // beyond what Date can represent
  }
}

/** The entry's sequence number: `__SEQNUM` (systemd ≥ 254) or the hex `i=` of the cursor; else 0. */
export function journalSeq(entry: JournalEntry): number {
  // Past 2^53 a number is no longer exact (and the store's column would refuse it): 0 then.
  const seqnum = text(entry, "__SEQNUM");
  if (/^\d+$/.test(seqnum)) return safe(Number(seqnum));
  const m = /(?:^|;)i=([0-9a-f]{1,16})(?:;|$)/.exec(text(entry, "__CURSOR"));
  return m ? safe(Number.parseInt(m[1] as string, 16)) : 0;
}

function safe(n: number): number {
  return Number.isSafeInteger(n) ? n : 0;
}

/** systemd-coredump's "dumped core" report (sd-messages.h SD_MESSAGE_COREDUMP). */
const COREDUMP_MESSAGE_ID = "fc2e22bc6ee647b6b90729ab34a250b1";

/** Whether journald's own fields say PID 1 (systemd) wrote the entry: its PID, or root in its cgroup. */
export function fromPid1(entry: JournalEntry): boolean {
  const root = text(entry, "_UID") === "0";
  return text(entry, "_PID") === "1" || (root && text(entry, "_SYSTEMD_UNIT") === "init.scope");
}

/** Whether journald's own fields say the Docker daemon wrote the entry (its journald log driver). */
export function fromDockerd(entry: JournalEntry): boolean {
  if (text(entry, "_UID") !== "0") return false;
  return text(entry, "_COMM") === "dockerd" || /(?:^|\/)dockerd$/.test(text(entry, "_EXE"));
}

/** The unit an entry is about (see the header): what `journalctl -u` would list it under. */
export function unitOf(entry: JournalEntry): string {
  const writer = text(entry, "_SYSTEMD_UNIT");
  const fromRoot = text(entry, "_UID") === "0";
  const fromPid1 = text(entry, "_PID") === "1" || (fromRoot && writer === "init.scope");
  const coredump = fromRoot && text(entry, "MESSAGE_ID") === COREDUMP_MESSAGE_ID;
  const about =
    (fromPid1 ? text(entry, "UNIT") : "") ||
    (fromRoot ? text(entry, "OBJECT_SYSTEMD_UNIT") : "") ||
    (coredump ? text(entry, "COREDUMP_UNIT") : "");
  return about || writer || text(entry, "UNIT");
}

/**
 * One line of `-o json` output (journalctl's or gatewayd's) as an entry, or why it is not one:
 * the reason to log with the skipped line.
 */
export function parseEntryLine(line: Buffer): { entry: JournalEntry } | { unparseable: string } {
  let entry: unknown;
  try {
    entry = JSON.parse(line.toString("utf8"));
  } catch (err) {
    return { unparseable: (err as Error).message };
  }
  if (typeof entry !== "object" || entry === null || Array.isArray(entry))
    return { unparseable: "not a JSON object" };
  return { entry: entry as JournalEntry };
}

/** The `__CURSOR` of an entry, or undefined when it has none. */
export function entryCursor(entry: JournalEntry): string | undefined {
  const c = entry.__CURSOR;
  return typeof c === "string" && c !== "" ? c : undefined;
}

/**
 * Maps one journal entry to a LogRecord stamped with `host`. `now` is used only when the entry has
 * no valid `__REALTIME_TIMESTAMP` (journalctl always prints one).
 */
export function journalEntryToLogRecord(
  entry: JournalEntry,
  host: string,
  now: () => string = () => new Date().toISOString(),
): LogRecord {
  const attributes: Record<string, string> = newAttributes();
  for (const [field, key] of ATTRIBUTE_FIELDS) {
    const v = text(entry, field);
    // The writer's command line may carry its secrets (`--password X`), as /proc's does.
    if (v !== "") attributes[key] = field === "_CMDLINE" ? defaultScrubber.cmdline(v) : v;
  }

  const message = decodeField(entry.MESSAGE);
  if (!message) attributes["journal.message_missing"] = "true";
  else if (message.binary) attributes["journal.message_binary"] = "true";

  const unverified: string[] = [];
  const claimedId = text(entry, "CONTAINER_ID_FULL");
  const dockerd = fromDockerd(entry);
  if (!dockerd) claimContainer(entry, attributes, unverified);
  const containerId = dockerd ? claimedId : "";
  const isContainer = containerId !== "";
  const unit = unitOf(entry);
  if (
    text(entry, "UNIT") !== "" &&
    unit === text(entry, "UNIT") &&
    !fromPid1(entry) &&
    text(entry, "_SYSTEMD_UNIT") !== unit
  )
    unverified.push("unit");
  if (unverified.length > 0) attributes["journal.unverified"] = unverified.join(",");
  const priority = text(entry, "PRIORITY");
  let pid = toInt(text(entry, "_PID"));
  let stream = "";
  let severity = priorityToSeverity(priority);
  if (isContainer) {
    // Docker's journald driver: PRIORITY encodes the stream, _PID is dockerd's.
    stream = priority === "3" ? "stderr" : priority === "6" ? "stdout" : "";
    severity = UNKNOWN_SEVERITY;
    if (pid !== 0) attributes["journal.pid"] = String(pid);
    pid = 0;
  }

  return {
    kind: "log",
    time: realtimeToRfc3339(text(entry, "__REALTIME_TIMESTAMP")) ?? now(),
    host,
    containerId,
    containerName: isContainer ? text(entry, "CONTAINER_NAME") : "",
    image: isContainer ? text(entry, "IMAGE_NAME") : "",
    source: "journald",
    stream,
    unit,
    identifier: text(entry, "SYSLOG_IDENTIFIER"),
    pid,
    severityNumber: severity.number,
    severityText: severity.text,
    body: message?.text ?? "",
    attributes,
    seq: journalSeq(entry),
  };
}

/** Container claims of a writer that is not dockerd: kept as attributes, listed as unverified. */
function claimContainer(entry: JournalEntry, attributes: Record<string, string>, unverified: string[]): void {
  const claims: [string, string][] = [
    ["journal.container_id", text(entry, "CONTAINER_ID_FULL") || text(entry, "CONTAINER_ID")],
    ["journal.container_name", text(entry, "CONTAINER_NAME")],
    ["journal.image_name", text(entry, "IMAGE_NAME")],
  ];
  let claimed = text(entry, "CONTAINER_TAG") !== "";
  for (const [key, value] of claims) {
    if (value === "") continue;
    attributes[key] = value;
    claimed = true;
  }
  if (claimed) unverified.push("container");
}
