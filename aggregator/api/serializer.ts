// fastify's response serialiser: each route's answer schema (protocol/api/) compiled by
// fast-json-stringify, as fastify's own would, after two rewrites that keep what the schema
// means but let the compiled code write each value directly. Without them a serialiser tries
// every branch of a `null`-or-value anyOf with a validator, and tests every key of a map against
// a pattern, for every row: several times slower than JSON.stringify instead of faster.
import fastJsonStringify, { type Schema } from "fast-json-stringify";

type Json = { [key: string]: unknown };

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** `anyOf: [S, {type: "null"}]` → S with `nullable: true`; undefined when `s` is not that. */
function nullableOf(s: Json): Json | undefined {
  const branches = s.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return undefined;
  const isNull = (b: unknown) => isObject(b) && b.type === "null";
  const value = branches.find((b) => !isNull(b));
  if (branches.filter(isNull).length !== 1 || !isObject(value) || typeof value.type !== "string")
    return undefined;
  const { anyOf: _, ...rest } = s;
  return { ...rest, ...value, nullable: true };
}

/**
 * A map with keys a sender chose (TypeBox's Record: one key pattern, a catch-all or the bound of
 * protocol/records.ts's StringMap, which every stored key meets) → `additionalProperties` of the
 * same value schema; undefined when `s` is not that.
 */
function mapOf(s: Json): Json | undefined {
  const patterns = s.patternProperties;
  if (!isObject(patterns) || s.properties !== undefined) return undefined;
  const entries = Object.entries(patterns);
  if (entries.length !== 1 || entries[0] === undefined) return undefined;
  const { patternProperties: _, ...rest } = s;
  return { ...rest, additionalProperties: entries[0][1] };
}

/** A copy of `schema` with both rewrites applied everywhere in it. */
export function forSerialisation(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forSerialisation);
  if (!isObject(schema)) return schema;
  const s = nullableOf(schema) ?? mapOf(schema) ?? schema;
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, forSerialisation(v)]));
}

/** For `app.setSerializerCompiler`. */
export const serializerCompiler = ({ schema }: { schema: unknown }) =>
  fastJsonStringify(forSerialisation(schema) as Schema);
