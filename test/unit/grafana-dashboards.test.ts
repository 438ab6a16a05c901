// The shipped Grafana dashboards: the checked-in JSON is what dashboards/grafana/*.ts builds, and
// every dashboard has the shape an import into Grafana 10+ needs (a Prometheus `$datasource` it asks
// for, only built-in panel types, every query on that data source).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DIR, dashboards } from "../../dashboards/grafana/build.ts";
import { DATASOURCE } from "../../dashboards/grafana/common.ts";
import { interpolate, panelQueries, variableQueries } from "../helpers/grafana.ts";

const built = Object.entries(dashboards());
const CORE_PANELS = new Set(["timeseries", "stat", "row"]);

describe("the shipped Grafana dashboards", () => {
  it.each(built)(
    "%s is checked in as the code builds it (run `node dashboards/grafana/build.ts`)",
    async (file, d) => {
      const checkedIn = JSON.parse(await readFile(join(DIR, file), "utf8"));
      expect(checkedIn).toEqual(JSON.parse(JSON.stringify(d)));
    },
  );

  it("have distinct uids and a prometheus `$datasource` variable", () => {
    expect(new Set(built.map(([, d]) => d.uid)).size).toBe(built.length);
    for (const [, d] of built)
      expect(d.templating?.list?.[0]).toMatchObject({
        type: "datasource",
        name: "datasource",
        query: "prometheus",
      });
  });

  it("Fleet and Container mark deaths and incidents from the `$loki` data source", () => {
    for (const [file, d] of built.filter(([f]) => f !== "fleetscope.json")) {
      const names = (d.templating?.list ?? []).map((v) => v.name);
      expect(names.slice(0, 2), file).toEqual(["datasource", "loki"]);
      const marks = (d.annotations?.list ?? []).map((a) => [
        a.name,
        a.datasource?.uid,
        (a.target as { expr?: string })?.expr,
      ]);
      expect(
        marks.map(([name]) => name),
        file,
      ).toEqual(["Container deaths", "Incidents"]);
      for (const [, uid, expr] of marks) {
        expect(uid).toBe("$" + "{loki}");
        expect(expr).toMatch(/^\{fleetscope="(deaths|incidents)", host=~"\$host"/);
      }
    }
  });

  it("Fleet and Container filter by `$host` and `$container`", () => {
    for (const [file, d] of built.filter(([f]) => f !== "fleetscope.json")) {
      expect(
        variableQueries(d).map((v) => v.variable),
        file,
      ).toEqual(["host", "container"]);
      const exprs = panelQueries(d).map((q) => q.expr);
      expect(
        exprs.some((e) => e.includes('host=~"$host"')),
        file,
      ).toBe(true);
      expect(
        exprs.some((e) => e.includes('name=~"$container"')),
        file,
      ).toBe(true);
    }
  });

  it("use only panel types Grafana ships and send every query to `$datasource`", () => {
    for (const [file, d] of built)
      for (const p of d.panels ?? []) {
        expect(CORE_PANELS.has(p.type), `${file}: ${p.type}`).toBe(true);
        if (p.type === "row") continue;
        expect(p.datasource, `${file}: ${p.title}`).toEqual(DATASOURCE);
        expect("targets" in p && p.targets?.length, `${file}: ${p.title}`).toBeGreaterThan(0);
      }
    expect(DATASOURCE).toEqual({ type: "prometheus", uid: "$" + "{datasource}" });
  });

  it("interpolates variables as Grafana does", () => {
    const expr = 'rate(x{host=~"$host",name=~"$container"}[$__rate_interval]) + increase(y[$__range])';
    expect(interpolate(expr, { host: "All", container: ["a.b", "c"] }, 3600)).toBe(
      'rate(x{host=~".+",name=~"a\\\\.b|c"}[1m]) + increase(y[3600s])',
    );
  });
});
