/**
 * A WHERE (or HAVING) clause built from fixed SQL fragments whose values travel only as
 * ClickHouse query parameters: user text never becomes SQL.
 */
export class Conditions {
  readonly params: Record<string, unknown>;
  readonly #clauses: string[] = [];

  constructor(params: Record<string, unknown> = {}) {
    this.params = { ...params };
  }

  add(clause: string, params: Record<string, unknown> = {}): this {
    this.#clauses.push(clause);
    Object.assign(this.params, params);
    return this;
  }

  /** Adds the clause only when `value` was given (not undefined, not empty). */
  when(value: unknown, clause: string, params: Record<string, unknown>): this {
    if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) return this;
    return this.add(clause, params);
  }

  sql(keyword: "WHERE" | "HAVING" = "WHERE"): string {
    return this.#clauses.length ? `${keyword} ${this.#clauses.join(" AND ")}` : "";
  }
}
