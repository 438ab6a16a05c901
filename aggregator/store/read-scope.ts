// Which stored rows the code running now may read. The API enters a reader's scope for each
// request (api/server.ts); the query layer adds the matching clauses (query/scope.ts); and
// Store.rows refuses a SELECT over a data table that a restricted reader runs without them, so a
// query that forgets its scope fails loudly instead of showing another tenant's rows.
import { AsyncLocalStorage } from "node:async_hooks";

/** Log sets and hosts a reader may see; an empty list means no restriction on that axis. */
export interface RowScope {
  logSets: readonly string[];
  hosts: readonly string[];
}

/** Everything: the incident detector, ingest and admin readers. */
export const UNRESTRICTED: RowScope = { logSets: [], hosts: [] };

/** The query parameter names the scope's clauses use; the guard looks for them. */
export const SCOPE_PARAMS = { logSets: "scopeLogSets", hosts: "scopeHosts" } as const;

const current = new AsyncLocalStorage<RowScope>();

/** Runs `fn` (and everything it starts) with `scope` as the readable rows. */
export function withRowScope<T>(scope: RowScope, fn: () => T): T {
  return current.run(scope, fn);
}

/** The scope of the code running now; unrestricted outside any request. */
export function currentRowScope(): RowScope {
  return current.getStore() ?? UNRESTRICTED;
}

export const isRestricted = (s: RowScope) => s.logSets.length > 0 || s.hosts.length > 0;

// A data table read in a FROM or JOIN clause (a subquery's too).
const TABLE_READ = /\b(?:FROM|JOIN)\s+(logs|samples|events|containers|hosts|processes|incidents)\b/gi;

/**
 * Throws unless `query` applies the current scope to every data table it reads: each axis the
 * scope restricts must appear as a clause at least as often as tables are read, with the
 * scope's own values. Cheap enough for every query, and a no-op for unrestricted readers.
 */
export function assertScoped(query: string, params: Record<string, unknown> | undefined): void {
  const scope = currentRowScope();
  if (!isRestricted(scope)) return;
  const reads = query.match(TABLE_READ)?.length ?? 0;
  if (reads === 0) return;
  for (const axis of ["logSets", "hosts"] as const) {
    const wanted = scope[axis];
    if (wanted.length === 0) continue;
    const name = SCOPE_PARAMS[axis];
    const uses = query.split(`{${name}:Array(String)}`).length - 1;
    const given = params?.[name];
    const same =
      Array.isArray(given) && given.length === wanted.length && given.every((v, i) => v === wanted[i]);
    if (uses < reads || !same)
      throw new Error(
        `a query for a reader limited to ${axis} ${wanted.join(", ")} reads ${reads} table(s) but applies that scope ${uses} time(s); refusing it rather than showing rows outside the scope`,
      );
  }
}
