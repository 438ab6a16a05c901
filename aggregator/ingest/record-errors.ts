// Why a record failed its schema, in words a collector's operator can act on: the field (with
// its place in an array: `devices[0].minor`) and what it must be. Of several faults the one met
// first in the schema's field order is told, so a record reads from its time onwards.
import { type TSchema, TypeGuard } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { RECORD_LIMITS, RFC3339_PATTERN } from "../../protocol/records.ts";

/** JSON pointer (/devices/0/minor) → its segments, unescaped. */
const segments = (path: string) =>
  path
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));

const isIndex = (s: string) => /^\d+$/.test(s);

/** A segment as shown: a key a sender chose can be megabytes long. */
const cut = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** `devices[0].minor` */
const fieldName = (segs: string[]) =>
  segs.map((s, i) => (isIndex(s) ? `[${s}]` : i === 0 ? cut(s) : `.${cut(s)}`)).join("");

/** Where an error sits in the schema's field order, for picking the first. */
function orderOf(schema: TSchema, segs: string[]): number[] {
  const out: number[] = [];
  let s: TSchema | undefined = schema;
  for (const seg of segs) {
    if (s && TypeGuard.IsObject(s)) {
      out.push(Object.keys(s.properties).indexOf(seg));
      s = s.properties[seg];
    } else if (s && TypeGuard.IsArray(s)) {
      out.push(Number(seg));
      s = s.items;
    } else {
      out.push(0);
      s = s && TypeGuard.IsRecord(s) ? (Object.values(s.patternProperties)[0] as TSchema) : undefined;
    }
  }
  return out;
}

const before = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return a.length < b.length;
};

/**
 * A value a sender gave, for a message: a string or number as JSON (at most 40 characters), an
 * object or array only by its type; stringifying one nested thousands deep would overflow the stack.
 */
export function shownValue(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v !== null && typeof v === "object") return "an object";
  return (JSON.stringify(typeof v === "string" ? v.slice(0, 40) : v) ?? "undefined").slice(0, 40);
}
const shown = shownValue;

/** What a value of `schema` must be; `inArray` for an element of a list of strings. */
function expectation(schema: TSchema, value: unknown, inArray: boolean): string {
  if (TypeGuard.IsString(schema))
    return inArray && schema.maxLength !== undefined
      ? `must be a string of at most ${schema.maxLength} characters`
      : "must be a string";
  if (TypeGuard.IsNumber(schema)) return "must be a finite number";
  if (TypeGuard.IsInteger(schema)) return "must be an integer";
  if (TypeGuard.IsBoolean(schema)) return "must be true or false";
  if (TypeGuard.IsRecord(schema)) return "must be an object of strings";
  if (TypeGuard.IsObject(schema)) return "must be an object";
  if (TypeGuard.IsArray(schema))
    return `must be an array of ${TypeGuard.IsString(schema.items) ? "strings" : "objects"}`;
  if (TypeGuard.IsUnion(schema)) {
    const literals = schema.anyOf.filter(TypeGuard.IsLiteral).map((l) => JSON.stringify(l.const));
    if (literals.length === schema.anyOf.length)
      return `must be one of ${literals.slice(0, -1).join(", ")} or ${literals.at(-1)}, got ${shown(value)}`;
    // An exit code: "must be an integer or null".
    const each = schema.anyOf.map((s) =>
      TypeGuard.IsNull(s) ? "null" : expectation(s, value, false).replace(/^must be /, ""),
    );
    return `must be ${each.join(" or ")}`;
  }
  return "is not valid";
}

function bound(max: number): string {
  if (max === 0xffffffff) return "2^32 - 1";
  if (max === Number.MAX_SAFE_INTEGER) return "2^53 - 1";
  return String(max);
}

/** The requirement one error breaks. */
function requirement(e: ValueError, inArray: boolean): string {
  const s = e.schema as TSchema & Record<string, number | string | undefined>;
  switch (e.type) {
    case ValueErrorType.StringMaxLength:
      return inArray ? expectation(s, e.value, true) : `is longer than ${s.maxLength} characters`;
    case ValueErrorType.StringPattern:
      return s.pattern === RFC3339_PATTERN
        ? `must be an RFC 3339 timestamp, got ${JSON.stringify(String(e.value).slice(0, 40))}`
        : `must match ${s.pattern}`;
    case ValueErrorType.NumberMinimum:
      return s.minimum === 0
        ? "must not be negative"
        : s.minimum === 1
          ? "must be a positive integer"
          : `must be at least ${s.minimum}`;
    case ValueErrorType.NumberMaximum:
      return `must be at most ${bound(s.maximum as number)}`;
    case ValueErrorType.ArrayMaxItems:
      return `has more than ${s.maxItems} entries`;
    case ValueErrorType.ObjectMaxProperties:
      return `has more than ${s.maxProperties} entries`;
    case ValueErrorType.ObjectAdditionalProperties:
      // A map's key that its key pattern refuses: only its length is bounded.
      return `is a key longer than ${RECORD_LIMITS.keyChars} characters`;
    default:
      // A wrong type, or a required field missing: say what it must be.
      return expectation(s, e.value, inArray);
  }
}

/** The message for a record that failed `schema`: its first fault in field order. */
export function recordErrorMessage(schema: TSchema, errors: Iterable<ValueError>): string {
  let first: { e: ValueError; segs: string[]; order: number[] } | undefined;
  for (const e of errors) {
    const segs = segments(e.path);
    const order = orderOf(schema, segs);
    if (!first || before(order, first.order)) first = { e, segs, order };
  }
  if (!first) return "does not match its schema";
  const last = first.segs.at(-1) ?? "";
  return `field "${fieldName(first.segs)}" ${requirement(first.e, isIndex(last))}`;
}
