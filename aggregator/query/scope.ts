// The reader's scope as WHERE clauses. Every query over a data table starts its conditions here,
// so a reader limited to log sets or hosts (store/read-scope.ts) sees only those rows; for an
// unrestricted reader nothing is added, so its queries stay as fast as before.
import { currentRowScope, SCOPE_PARAMS } from "../store/read-scope.ts";
import { Conditions } from "./conditions.ts";

/** Adds the current reader's scope to `where` (host first: it leads every table's sort key). */
export function inScope(where: Conditions): Conditions {
  const scope = currentRowScope();
  if (scope.hosts.length > 0)
    where.add(`host IN {${SCOPE_PARAMS.hosts}:Array(String)}`, { [SCOPE_PARAMS.hosts]: [...scope.hosts] });
  if (scope.logSets.length > 0)
    where.add(`log_set IN {${SCOPE_PARAMS.logSets}:Array(String)}`, {
      [SCOPE_PARAMS.logSets]: [...scope.logSets],
    });
  return where;
}

/** New conditions that start with the current reader's scope. */
export const scopedConditions = (params: Record<string, unknown> = {}) => inScope(new Conditions(params));

export { isRestricted, type RowScope, UNRESTRICTED, withRowScope } from "../store/read-scope.ts";
