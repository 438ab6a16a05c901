// How store columns become API field names. Columns are snake_case; the API answers in camelCase,
// the wire records' names. One way turns one into the other: the SQL names every field,
// `column AS camelCase`. Most fields are computed (argMax(…), rates) or renamed (container_id AS
// id) and need an alias anyway; the name a client sees stands beside the column it comes from; and
// rows need no key rewriting afterwards (a blanket rewrite would also have to guess which strings
// are numbers). Only tuples inside arrays, which an alias cannot reach, need more: renamedTuples.
// cadvisor.ts is not an exception but another API: it reads columns as they are to build
// cAdvisor's own (snake_case) shapes.

/**
 * An array-of-tuples column with its elements renamed: `elements` gives the API's names and the
 * types, in the store's order ("name String, rxBytes UInt64"). A CAST from one named tuple to
 * another matches elements by name (and would zero them all), so it goes through an unnamed one.
 */
export function renamedTuples(column: string, elements: string): string {
  const types = elements.split(",").map((e) => e.trim().replace(/^\w+\s+/, ""));
  return `CAST(CAST(${column}, 'Array(Tuple(${types.join(", ")}))'), 'Array(Tuple(${elements}))')`;
}

/**
 * Settings for a query whose 64-bit integers (UInt64 bytes and counters) the API answers as
 * numbers: a ClickHouse server quotes them by default, as they may exceed 2^53 (ours never do).
 */
export const NUMBERS_UNQUOTED = { output_format_json_quote_64bit_integers: 0 } as const;
