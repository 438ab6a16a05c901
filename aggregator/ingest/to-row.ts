// Turns one wire record into a row of its table. The record is checked against its schema in
// protocol/records.ts (compiled once per kind into a plain function), then each field is copied to
// its column, the snake_case of its name: nothing here lists the fields again. A record that fails
// is rejected alone, with a message saying which field and why.
import { type TObject, type TSchema, TypeGuard } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import {
  newAttributes,
  RECORD_LIMITS,
  RECORD_SCHEMAS,
  type RecordKind,
  retimeRecord,
} from "../../protocol/records.ts";
import { nowRfc3339 } from "../../protocol/time.ts";
import type { Table } from "../store/store.ts";
import { recordErrorMessage, shownValue } from "./record-errors.ts";

export class RecordError extends Error {}

type Obj = Record<string, unknown>;

const TABLE_OF: Record<RecordKind, Table> = {
  log: "logs",
  sample: "samples",
  event: "events",
  container: "containers",
  host: "hosts",
  process: "processes",
};

const toColumn = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A map from the wire, without a prototype; a value that is not a string is stored as its JSON. */
function toMap(v: unknown): Record<string, string> {
  const out = newAttributes();
  for (const [k, val] of Object.entries(v as Obj))
    out[k] = typeof val === "string" ? val : JSON.stringify(val);
  return out;
}

/** The value an optional field absent from an (older collector's) record is stored as. */
function emptyOf(schema: TSchema): () => unknown {
  if (TypeGuard.IsNumber(schema)) return () => 0;
  if (TypeGuard.IsArray(schema)) return () => [];
  if (TypeGuard.IsRecord(schema)) return newAttributes;
  if (TypeGuard.IsBoolean(schema)) return () => false;
  if (TypeGuard.IsUnion(schema) && schema.anyOf.some(TypeGuard.IsNull)) return () => null;
  return () => ""; // strings, and the health enum whose "" means none
}

/**
 * A checked field's value → its column's. A number schema with a maximum is an integer column
 * (see UInt in protocol/records.ts): a fraction is rounded. Arrays of objects become arrays of
 * tuples with snake_case keys.
 */
function converterOf(schema: TSchema): ((v: unknown) => unknown) | undefined {
  if (TypeGuard.IsNumber(schema) && schema.maximum !== undefined) return (v) => Math.round(v as number);
  if (TypeGuard.IsRecord(schema)) return toMap;
  if (TypeGuard.IsArray(schema) && TypeGuard.IsObject(schema.items)) {
    const element = rowMapper(schema.items);
    return (v) => (v as Obj[]).map(element);
  }
  return undefined;
}

/**
 * Builds, once per schema, the function copying a checked object's fields to their columns. It is
 * generated as one object literal (like the compiled check): ingest maps every record through it,
 * and a literal is several times faster than filling a row field by field in a loop.
 */
function rowMapper(schema: TObject): (r: Obj) => Obj {
  const required = new Set(schema.required ?? []);
  const helpers: unknown[] = [];
  const use = (f: unknown) => `h[${helpers.push(f) - 1}]`;
  const entries = Object.entries(schema.properties)
    .filter(([, s]) => !TypeGuard.IsLiteral(s)) // `kind` picks the table; it is no column
    .map(([key, s]) => {
      const v = `r[${JSON.stringify(key)}]`;
      const convert = converterOf(s);
      const value = convert ? `${use(convert)}(${v})` : v;
      const column = JSON.stringify(toColumn(key));
      if (required.has(key)) return `${column}: ${value}`;
      return `${column}: ${v} === undefined ? ${use(emptyOf(s))}() : ${value}`;
    });
  return new Function("h", `return (r) => ({ ${entries.join(", ")} });`)(helpers);
}

/** What a column's schema cannot say: values ingest adjusts after the fields are copied. */
const ADJUST: Partial<Record<RecordKind, (row: Obj) => void>> = {
  // OpenTelemetry's severities end at 24; a larger number still means "most severe".
  log: (row) => {
    row.severity_number = Math.min(24, row.severity_number as number);
  },
  // The collector sends 0 when it could not read NSpid: the pid as the host sees it is the best left.
  process: (row) => {
    row.ns_pid ||= row.pid;
  },
};

const KINDS = Object.entries(RECORD_SCHEMAS).map(([kind, schema]) => {
  const check = TypeCompiler.Compile(schema);
  const map = rowMapper(schema);
  const adjust = ADJUST[kind as RecordKind];
  const toTableRow = (r: Obj, receivedIso: string) => {
    if (!check.Check(r)) throw new RecordError(recordErrorMessage(schema, check.Errors(r)));
    // Checked: the record has the shape retimeRecord expects.
    const retimed = retimeRecord(r as Parameters<typeof retimeRecord>[0], receivedIso);
    const row = map(r);
    adjust?.(row);
    return { kind: kind as RecordKind, row, retimed };
  };
  return [kind, { table: TABLE_OF[kind as RecordKind], toTableRow }] as const;
});
type KindMapper = (typeof KINDS)[number][1];
const BY_KIND = new Map<unknown, KindMapper>(KINDS);

/** A mapped record: its table, its row, and whether its time was replaced by the received time. */
export interface MappedRecord {
  kind: RecordKind;
  table: Table;
  row: Obj;
  retimed: boolean;
}

/**
 * Parses and maps one NDJSON line; throws RecordError with a person-readable reason. A time
 * outside the record window (protocol/records.ts retimeRecord) becomes `receivedIso`, when the
 * batch arrived. Whatever goes wrong with one record is that record's RecordError, never the
 * batch's failure: a value nested too deep to check is refused like one of the wrong type.
 */
export function toRow(line: string, receivedIso: string = nowRfc3339()): MappedRecord {
  try {
    return mapLine(line, receivedIso);
  } catch (err) {
    if (err instanceof RecordError) throw err;
    throw new RecordError(
      err instanceof RangeError
        ? "is nested too deeply or too large to check"
        : "could not be read as a record",
    );
  }
}

function mapLine(line: string, receivedIso: string): MappedRecord {
  // A line that large could not be one row of the store's insert (nor is it a record the
  // collector sends): refused before it is parsed. Its bytes are counted only when its characters
  // (at most 3 bytes each in a JS string's UTF-8) could exceed the bound.
  const max = RECORD_LIMITS.lineBytes;
  if (line.length > max || (line.length * 3 > max && Buffer.byteLength(line) > max))
    throw new RecordError(`is larger than ${RECORD_LIMITS.lineBytes >> 20} MiB`);
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    throw new RecordError("not valid JSON");
  }
  if (typeof r !== "object" || r === null || Array.isArray(r))
    throw new RecordError("a record must be a JSON object");
  const kind = BY_KIND.get((r as Obj).kind);
  if (!kind) {
    throw new RecordError(
      `unknown record kind ${shownValue((r as Obj).kind)}; expected one of ${[...BY_KIND.keys()].join(", ")}`,
    );
  }
  return { table: kind.table, ...kind.toTableRow(r as Obj, receivedIso) };
}
