const snakeToCamel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A store row as the API answers it: snake_case columns (and the fields of tuples inside
 * arrays) become camelCase like the wire records, and UInt64 values, which ClickHouse sends as
 * strings because they may exceed 2^53, become numbers (counts and bytes here never do).
 */
export function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelize);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeToCamel(k), camelize(v)]));
  }
  return typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
}
