// Request pieces shared by the query routes. fastify validates each request with them and the
// OpenAPI document is generated from them, so the docs cannot drift from what is enforced.
import {
  type SchemaOptions,
  type TInteger,
  type TObject,
  type TProperties,
  type TSchema,
  Type,
} from "@sinclair/typebox";

/**
 * A route's query parameters. An unknown (or misspelt) one is an error rather than a filter that
 * silently does nothing. A parameter with a default is optional to the caller, yet always there
 * for the handler (validation fills it in), so its type stays required.
 */
export function Query<T extends TProperties>(properties: T): TObject<T> {
  const schema = Type.Object(properties, { additionalProperties: false });
  const loose = schema as { required?: string[] };
  const required = (loose.required ?? []).filter((k) => properties[k]?.default === undefined);
  if (required.length > 0) loose.required = required;
  else delete loose.required;
  return schema;
}

/** since/until: a window back from now, by default `defaultSince` long. */
export function timeWindow(defaultSince: string) {
  return {
    since: Type.Optional(
      Type.String({
        description: `start of the window: RFC 3339 (up to 9 fractional digits, compared to the nanosecond) or relative to now (15m, 2h, 7d); default ${defaultSince}`,
      }),
    ),
    until: Type.Optional(
      Type.String({ description: "end of the window: RFC 3339 or relative; default now" }),
    ),
  };
}

/** How many rows at most: `def` unless given, never more than `max`. */
export function limit(def: number, max: number): TInteger {
  return Type.Integer({ minimum: 1, maximum: max, default: def });
}

/** A host name, as its collector reports it. */
export const host = (description?: string) => Type.Optional(Type.String({ description }));

/** A container by name, id or id prefix (12+ characters). */
export const container = (description = "container name, id or id prefix (12+ characters)") =>
  Type.Optional(Type.String({ description }));

/** The path parameter naming a container. */
export const ContainerParams = Type.Object({
  container: Type.String({ description: "name, id or id prefix (12+)" }),
});

/**
 * One of a few strings, as a JSON-schema `enum` (not TypeBox's union of literals): validation then
 * names every allowed value in one message, and serialisation treats it as a plain string.
 */
export const StringEnum = <const T extends readonly string[]>(values: T, options: SchemaOptions = {}) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });

/** A value of `t`, or null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
