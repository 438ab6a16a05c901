// Shared pieces of the shipped Grafana dashboards: the variables every dashboard has, and the few
// panel shapes they use, so each dashboard file reads as a list of questions and their PromQL.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import {
  AnnotationQueryBuilder,
  type Dashboard,
  DashboardBuilder,
  DatasourceVariableBuilder,
  type Panel,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder as LokiQueryBuilder } from "@grafana/grafana-foundation-sdk/loki";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";

/** Every query goes to the data source picked in `$datasource`, so an import asks which one. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
export const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: "${datasource}" };

/**
 * Annotations come from fleetscope's Loki-compatible API, added in Grafana as a Loki data source
 * and picked in `$loki`: its `fleetscope="deaths"` and `fleetscope="incidents"` streams.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
export const LOKI: common.DataSourceRef = { type: "loki", uid: "${loki}" };

/**
 * The fleet job's series carry `host`; `.+` as "All" keeps out the same containers scraped from a
 * collector's own /metrics (no `host` label), which would otherwise be counted twice.
 */
export const HOST = 'host=~"$host"';
export const CONTAINER = 'name=~"$container"';

export interface Query {
  expr: string;
  legend?: string;
}

export function dashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(["fleetscope"])
    .time({ from: "now-1h", to: "now" })
    .refresh("30s")
    .withVariable(new DatasourceVariableBuilder("datasource").label("Data source").type("prometheus"));
}

/** A multi-value variable filled from the values of `label` on `metric`, "All" meaning any non-empty value. */
export function labelVariable(name: string, label: string, metric: string): QueryVariableBuilder {
  const query = `label_values(${metric}, ${label})`;
  return new QueryVariableBuilder(name)
    .label(name)
    .datasource(DATASOURCE)
    .query({ query, refId: "PrometheusVariableQueryEditor-VariableQuery" })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(".+");
}

function targets(queries: Query[]): cog.Builder<cog.Dataquery>[] {
  return queries.map((q, i) =>
    new DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + i))
      .expr(q.expr)
      .legendFormat(q.legend ?? "__auto"),
  );
}

/** A time series panel, `span` of 24 columns wide. */
export function timeseries(title: string, unit: string, queries: Query[], span = 12): cog.Builder<Panel> {
  return new TimeseriesBuilder()
    .title(title)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(span)
    .height(8)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true),
    )
    .targets(targets(queries));
}

/** A single number (the last value of one query). */
export function stat(title: string, unit: string, query: Query, span = 6): cog.Builder<Panel> {
  return new StatBuilder()
    .title(title)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(span)
    .height(4)
    .targets(targets([query]));
}

export type { Dashboard };

/**
 * Container deaths and incidents marked on the time axis, from `$loki`, narrowed by `on` (LogQL
 * matchers: host, container, image), with the `$loki` variable they need.
 */
export function withAnnotations(d: DashboardBuilder, on: string): DashboardBuilder {
  const mark = (name: string, color: string, stream: string) =>
    new AnnotationQueryBuilder()
      .name(name)
      .datasource(LOKI)
      .enable(true)
      .iconColor(color)
      .tagKeys("host,container,kind")
      .target(new LokiQueryBuilder().datasource(LOKI).refId("Anno").expr(`{fleetscope="${stream}", ${on}}`));
  return d
    .withVariable(new DatasourceVariableBuilder("loki").label("Logs (fleetscope's Loki API)").type("loki"))
    .annotation(mark("Container deaths", "red", "deaths"))
    .annotation(mark("Incidents", "orange", "incidents"));
}
