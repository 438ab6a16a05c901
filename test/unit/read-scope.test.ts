import { describe, expect, it } from "vitest";
import { Conditions } from "../../aggregator/query/conditions.ts";
import { inScope, scopedConditions } from "../../aggregator/query/scope.ts";
import { assertScoped, withRowScope } from "../../aggregator/store/read-scope.ts";

const WEB = { logSets: ["web"], hosts: [] };
const HOST_ONE = { logSets: [], hosts: ["h1"] };

describe("read scope", () => {
  it("adds no clause for an unrestricted reader, so its queries stay as they were", () => {
    expect(scopedConditions().sql()).toBe("");
  });

  it("adds the log sets and hosts of a restricted reader as query parameters", () => {
    const where = withRowScope({ logSets: ["web"], hosts: ["h1"] }, () => inScope(new Conditions()));
    expect(where.sql()).toBe(
      "WHERE host IN {scopeHosts:Array(String)} AND log_set IN {scopeLogSets:Array(String)}",
    );
    expect(where.params).toEqual({ scopeHosts: ["h1"], scopeLogSets: ["web"] });
  });

  it("refuses a query that reads a table without the scope of a restricted reader", () => {
    withRowScope(WEB, () => {
      expect(() => assertScoped("SELECT host FROM logs WHERE time > now()", {})).toThrow(
        /limited to logSets web/,
      );
      const where = scopedConditions();
      expect(() => assertScoped(`SELECT host FROM logs ${where.sql()}`, where.params)).not.toThrow();
      // Scoped once, read twice: the join's table would show every log set.
      expect(() =>
        assertScoped(
          `SELECT 1 FROM logs ${where.sql()} AND container_id IN (SELECT container_id FROM events)`,
          where.params,
        ),
      ).toThrow(/reads 2 table/);
      // The clause with other values than the reader's own.
      expect(() => assertScoped(`SELECT 1 FROM hosts ${where.sql()}`, { scopeLogSets: ["db"] })).toThrow();
    });
    withRowScope(HOST_ONE, () => {
      expect(() =>
        assertScoped("SELECT 1 FROM incidents FINAL WHERE id = {id:String}", { id: "x" }),
      ).toThrow();
    });
  });

  it("lets unrestricted readers and queries over no data table through", () => {
    expect(() => assertScoped("SELECT host FROM logs", {})).not.toThrow();
    withRowScope(WEB, () =>
      expect(() => assertScoped("SELECT match('', {regex:String})", { regex: "a" })).not.toThrow(),
    );
  });
});
