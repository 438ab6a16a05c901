// JSON-schema pieces shared by the query routes; fastify validates with them and the OpenAPI
// document is generated from them, so the docs cannot drift from what is enforced.

export function timeParams(defaultSince: string) {
  return {
    since: {
      type: "string",
      description: `start of the window: RFC 3339 (up to 9 fractional digits, compared to the nanosecond) or relative to now (15m, 2h, 7d); default ${defaultSince}`,
    },
    until: { type: "string", description: "end of the window: RFC 3339 or relative; default now" },
  } as const;
}

export function limitParam(def: number, max: number) {
  return { type: "integer", minimum: 1, maximum: max, default: def } as const;
}
