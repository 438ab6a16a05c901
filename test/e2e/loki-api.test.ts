// The Loki-compatible API against a real aggregator fed through ingest, asked what Grafana's Loki
// data source asks: its "Save & test" health check, Explore's range queries, the label browser and
// series look-ups, each with the parameters Grafana sends (the source of each is named where used).
import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { LokiLabelsAnswer, LokiQueryAnswer } from "../../protocol/api/loki.ts";
import { apiFetch, createToken } from "../helpers/api.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { useAggregator } from "../helpers/stack.ts";
import { containerId, syntheticFleet } from "../helpers/synthetic-fleet.ts";
import { waitFor } from "../helpers/wait.ts";

const T0_MS = Date.now() - 120_000;
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

/** Line i of container `name` on h-1, i seconds after T0, its time in nanoseconds with sub-ms digits. */
function apiLine(i: number, body: string, severityText: string, stream: "stdout" | "stderr") {
  return logRecord({
    time: new Date(T0_MS + i * 1000).toISOString().replace("Z", "000123Z"),
    host: "h-1",
    source: "docker-json",
    containerId: containerId("h-1", "api"),
    containerName: "api",
    image: "shop/api:1.2",
    stream,
    severityText,
    body,
    seq: i,
  });
}

const sshLine = logRecord({
  time: new Date(T0_MS + 5000).toISOString(),
  host: "h-2",
  source: "journald",
  unit: "ssh.service",
  identifier: "sshd",
  body: "Accepted publickey for root",
  seq: 50,
});

/** A recorded answer of the real Loki API (test/fixtures/loki/SOURCE.md). */
const recorded = async (name: string) =>
  JSON.parse(await readFile(new URL(`../fixtures/loki/${name}`, import.meta.url), "utf8"));

/** The JSON types at each place of a value, arrays by their first element, label maps left out. */
function shape(v: unknown, key = ""): unknown {
  if (key === "stream" || key === "metric" || key === "stats") return "labels";
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== "warnings")
        .map(([k, x]) => [k, shape(x, k)]),
    );
  return typeof v;
}

type Streams = { stream: Record<string, string>; values: [string, string][] }[];

describe("Loki API", () => {
  const agg = useAggregator("loki-api");
  const start = ns(T0_MS - 60_000);
  const end = ns(Date.now() + 60_000);

  beforeAll(async () => {
    await postBatch(agg.url, [
      apiLine(0, "connection refused by db:5432", "error", "stderr"),
      apiLine(1, "GET /orders 200", "info", "stdout"),
      apiLine(2, "retry: connection refused", "error", "stderr"),
      apiLine(3, "GET /health 200", "info", "stdout"),
      sshLine,
    ]);
  });

  /** GET with the admin token; status, content type and body (JSON when it is). */
  async function get(path: string, params: Record<string, string | string[]>, token?: string) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) qs.append(k, one);
    const res = await apiFetch(agg.url, `${path}?${qs}`, token ? { token } : {});
    const text = await res.text();
    const type = res.headers.get("content-type") ?? "";
    return { status: res.status, type, text, json: type.includes("json") ? JSON.parse(text) : undefined };
  }

  // Grafana's range query: pkg/tsdb/loki/api.go makeDataRequest (query, direction, limit when set,
  // start/end in nanoseconds, step in milliseconds with an "ms" suffix).
  const range = (query: string, extra: Record<string, string> = {}) =>
    get("/loki/api/v1/query_range", {
      direction: "backward",
      end,
      limit: "1000",
      query,
      start,
      step: "2000ms",
      ...extra,
    });

  it("answers Grafana's Save & test health check with the vector it checks for", async () => {
    // pkg/tsdb/loki/healthcheck.go: instant query "vector(1)+vector(1)", time range 1s–4s, so
    // makeDataRequest sends time=4000000000 and direction; Grafana wants one sample of value 2.
    const r = await get("/loki/api/v1/query", {
      direction: "backward",
      query: "vector(1)+vector(1)",
      time: "4000000000",
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      status: "success",
      // Loki reads an integer of 10 digits or fewer as seconds (pkg/loghttp/params.go
      // parseTimestamp), so 4000000000 is that many seconds; Grafana checks only the value.
      data: { resultType: "vector", result: [{ metric: {}, value: [4_000_000_000, "2"] }], stats: {} },
    });
  });

  it("answers Explore's log query with one stream per label set, newest first, nanosecond times", async () => {
    const r = await range('{container="api"} |= "refused"');
    expect(r.status).toBe(200);
    const streams = r.json.data.result as Streams;
    expect(r.json.data.resultType).toBe("streams");
    expect(streams).toEqual([
      {
        stream: {
          host: "h-1",
          container: "api",
          image: "shop/api:1.2",
          stream: "stderr",
          level: "error",
          source: "docker-json",
          log_set: "default",
        },
        values: [
          [`${ns(T0_MS + 2000).slice(0, -6)}000123`, "retry: connection refused"],
          [`${ns(T0_MS).slice(0, -6)}000123`, "connection refused by db:5432"],
        ],
      },
    ]);
  });

  it("chains line filters and regex matchers; forward direction and limit as Loki takes them", async () => {
    const bodies = async (query: string, extra: Record<string, string> = {}) => {
      const r = await range(query, extra);
      expect(r.status, r.text).toBe(200);
      return (r.json.data.result as Streams).flatMap((s) => s.values.map((v) => v[1]));
    };
    expect(await bodies('{container=~"ap.", level!="error"} != "health"')).toEqual(["GET /orders 200"]);
    expect(await bodies('{host=~"h-.*"} |~ "refused|publickey" !~ "^retry"')).toEqual([
      "Accepted publickey for root",
      "connection refused by db:5432",
    ]);
    expect(await bodies('{unit="ssh.service", identifier="sshd"}')).toEqual(["Accepted publickey for root"]);
    const forward = await bodies('{container="api"}', { direction: "forward", limit: "2" });
    expect(forward).toEqual(["connection refused by db:5432", "GET /orders 200"]);
    // A label fleetscope does not have is empty everywhere, as an absent label is in Loki.
    expect(await bodies('{container="api", app="shop"}')).toEqual([]);
  });

  it("takes start and end as unix seconds and RFC 3339 too", async () => {
    const seconds = await range('{container="api"}', {
      start: String(Math.ceil((T0_MS + 1001) / 1000)), // after line 1, not after line 2
      end: new Date(T0_MS + 60_000).toISOString(),
    });
    expect(seconds.status, seconds.text).toBe(200);
    const bodies = (seconds.json.data.result as Streams).flatMap((s) => s.values.map((v) => v[1]));
    expect(bodies.sort()).toEqual(["GET /health 200", "retry: connection refused"]);
  });

  it("lists labels, a label's values and series for the label browser", async () => {
    // Grafana's label browser: /labels and /label/{name}/values with start/end, and /series with match[].
    const labels = await get("/loki/api/v1/labels", { start, end });
    expect(labels.json).toEqual({
      status: "success",
      data: ["container", "host", "identifier", "image", "level", "log_set", "source", "stream", "unit"],
    });
    const hosts = await get("/loki/api/v1/label/host/values", { start, end });
    expect(hosts.json).toEqual({ status: "success", data: ["h-1", "h-2"] });
    const levels = await get("/loki/api/v1/label/level/values", { start, end, query: '{host="h-1"}' });
    expect(levels.json).toEqual({ status: "success", data: ["error", "info"] });
    const series = await get("/loki/api/v1/series", { "match[]": ['{unit="ssh.service"}'], start, end });
    expect(series.json).toEqual({
      status: "success",
      data: [
        {
          host: "h-2",
          unit: "ssh.service",
          identifier: "sshd",
          source: "journald",
          stream: "stdout",
          log_set: "default",
        },
      ],
    });
  });

  it("answers what it does not support with Loki's error shape: 400 and the message as text", async () => {
    const json = await range('{container="api"} | line_format "{{.msg}}"');
    expect(json.status).toBe(400);
    expect(json.type).toContain("text/plain");
    expect(json.text).toMatch(
      /^parse error at line 1, col 19: the stage "\| line_format "\{\{\.msg\}\}"" is not supported/,
    );
    const syntax = await range('{container="api"');
    expect(syntax.status).toBe(400);
    expect(syntax.text).toMatch(/^parse error at line 1, col \d+: syntax error: unexpected/);
    const empty = await range('{container=~".*"}');
    expect(empty.text).toMatch(/^parse error : queries require at least one regexp or equality matcher/);
    const badRegex = await range('{container="api"} |~ "(unclosed"');
    expect(badRegex.status).toBe(400);
    expect(badRegex.text).toMatch(/^parse error : invalid regular expression/);
    // A parameter the route does not take is refused like on every other route.
    const misspelt = await range('{container="api"}', { limt: "5" });
    expect(misspelt.status).toBe(400);
    expect(misspelt.json.error).toMatch(/^unknown query parameter "limt"/);
    const instantLogs = await get("/loki/api/v1/query", { query: '{container="api"}' });
    expect(instantLogs.status).toBe(400);
    expect(instantLogs.text).toBe(
      "log queries are not supported as an instant query type, please change your query to a range query type",
    );
  });

  it("needs a token, and a read token limited to hosts sees only their lines", async () => {
    const anonymous = await apiFetch(agg.url, `/loki/api/v1/labels`, { token: null });
    expect(anonymous.status).toBe(401);
    const reader = await createToken(agg.url, { role: "read", readHosts: ["h-2"] });
    const r = await get("/loki/api/v1/query_range", { query: '{host=~".+"}', start, end }, reader.secret);
    expect(r.status, r.text).toBe(200);
    expect((r.json.data.result as Streams).map((s) => s.stream.host)).toEqual(["h-2"]);
    const hosts = await get("/loki/api/v1/label/host/values", { start, end }, reader.secret);
    expect(hosts.json.data).toEqual(["h-2"]);
  });

  it("filters on labels that | json and | logfmt take from the line", async () => {
    // Half an hour before the other lines, so no other test's window sees them.
    const at = T0_MS - 1_800_000;
    const worker = (i: number, body: string) =>
      logRecord({
        time: new Date(at + i * 1000).toISOString(),
        host: "h-1",
        containerName: "worker",
        body,
        seq: 200 + i,
      });
    await postBatch(agg.url, [
      worker(0, '{"level":"warn","msg":"slow query","ms":1500}'),
      worker(1, '{"level":"info","msg":"ok","ms":3}'),
      worker(2, 'ts=2 level=error msg="db down, retrying" status=503'),
      worker(3, "ts=3 level=info msg=fine status=200"),
    ]);
    const window = { start: ns(at - 60_000), end: ns(at + 60_000) };
    const bodies = async (query: string) => {
      const r = await range(query, window);
      expect(r.status, r.text).toBe(200);
      return (r.json.data.result as Streams).flatMap((s) => s.values.map((v) => v[1]));
    };
    expect(await bodies('{container="worker"} |= "{" | json | msg="slow query"')).toEqual([
      '{"level":"warn","msg":"slow query","ms":1500}',
    ]);
    // A number is compared as its JSON text; =~ matches the whole value, as in Loki.
    expect(await bodies('{container="worker"} | json | ms=~"1.*"')).toEqual([
      '{"level":"warn","msg":"slow query","ms":1500}',
    ]);
    expect(await bodies('{container="worker"} | logfmt | status=~"5.." | msg="db down, retrying"')).toEqual([
      'ts=2 level=error msg="db down, retrying" status=503',
    ]);
    expect(await bodies('{container="worker"} | logfmt | msg!="fine" | status!=""')).toEqual([
      'ts=2 level=error msg="db down, retrying" status=503',
    ]);
    // The parser's labels join each line's stream, as Loki adds them (a clash with a stream label
    // becomes <key>_extracted; this line's level is a stream label of its own).
    const parsed = await range('{container="worker"} | logfmt | status="503"', window);
    expect((parsed.json.data.result as Streams).map((s) => s.stream)).toEqual([
      expect.objectContaining({
        container: "worker",
        ts: "2",
        msg: "db down, retrying",
        status: "503",
      }),
    ]);
    // What json cannot read is labelled, and `__error__=""` leaves it out.
    expect(await bodies('{container="worker"} | json | __error__=""')).toEqual([
      '{"level":"info","msg":"ok","ms":3}',
      '{"level":"warn","msg":"slow query","ms":1500}',
    ]);
    const errors = await range('{container="worker"} | json | __error__="JSONParserErr"', window);
    expect((errors.json.data.result as Streams).flatMap((s) => s.values).length).toBe(2);
    expect((errors.json.data.result as Streams)[0]?.stream).toMatchObject({ __error__: "JSONParserErr" });
    // A key the parser did not find is empty, as an absent label is.
    expect(await bodies('{container="worker"} | json | nosuch="x"')).toEqual([]);
    const combined = await range('{container="worker"} | json | a="x" or b="y"', window);
    expect(combined.status).toBe(400);
    expect(combined.text).toMatch(/^parse error at line 1, col 29: the stage/);
  });

  /** A matrix as [label set, [ms after T0, value]…] to compare exactly. */
  const relative = (result: { metric: Record<string, string>; values: [number, string][] }[]) =>
    result.map((s) => [s.metric, s.values.map(([t, v]) => [Math.round(t * 1000) - T0_MS, v])]);

  it("answers Explore's logs volume query: count_over_time summed by level at each step", async () => {
    // The query Grafana builds for the volume histogram: public/app/plugins/datasource/loki/
    // datasource.ts getSupplementaryQuery, `sum by (level, detected_level) (count_over_time(${expr}
    // | drop __error__[$__auto]))`, $__auto being the step.
    const r = await range(
      'sum by (level, detected_level) (count_over_time({container="api"} | drop __error__[1s]))',
      {
        start: ns(T0_MS),
        end: ns(T0_MS + 5000),
        step: "1000ms",
      },
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json.data.resultType).toBe("matrix");
    // Each line counts at the step t with t - 1s < its time <= t: line i (at T0 + i s + 123 ns) at step i+1.
    expect(relative(r.json.data.result)).toEqual([
      [
        { level: "error" },
        [
          [1000, "1"],
          [3000, "1"],
        ],
      ],
      [
        { level: "info" },
        [
          [2000, "1"],
          [4000, "1"],
        ],
      ],
    ]);
  });

  it("answers rate, bytes_over_time and count by at an instant as a vector", async () => {
    const at = ns(T0_MS + 6000);
    const instant = async (query: string) => {
      const r = await get("/loki/api/v1/query", { query, time: at });
      expect(r.status, r.text).toBe(200);
      expect(r.json.data.resultType).toBe("vector");
      return r.json.data.result.map((s: { metric: object; value: [number, string] }) => [
        s.metric,
        s.value[1],
      ]);
    };
    expect(await instant('rate({host="h-2"}[10s])')).toEqual([
      [
        {
          host: "h-2",
          unit: "ssh.service",
          identifier: "sshd",
          source: "journald",
          stream: "stdout",
          log_set: "default",
        },
        "0.1",
      ],
    ]);
    expect(await instant('sum(bytes_over_time({container="api", level="error"}[1m]))')).toEqual([
      [{}, String("connection refused by db:5432".length + "retry: connection refused".length)],
    ]);
    const byHost = await instant('count by (host) (count_over_time({host=~"h-.*"}[1m]))');
    byHost.sort((a: [{ host: string }], b: [{ host: string }]) => a[0].host.localeCompare(b[0].host));
    expect(byHost).toEqual([
      [{ host: "h-1" }, "2"],
      [{ host: "h-2" }, "1"],
    ]);
  });

  it("refuses a step that would make more than 11,000 points, as Loki does", async () => {
    const r = await range('count_over_time({container="api"}[1m])', { step: "1ms" });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/^exceeded maximum resolution of 11,000 points per timeseries/);
  });

  it("answers in the shapes the real Loki API writes (its recorded answers)", async () => {
    const streams = await recorded("query-range-streams.json");
    const vector = await recorded("query-vector.json");
    const labels = await recorded("labels.json");
    // Our answer schemas (and so the OpenAPI document) accept what Loki writes…
    const ajv = new Ajv({ strict: false });
    expect(ajv.validate(LokiQueryAnswer, streams), ajv.errorsText()).toBe(true);
    expect(ajv.validate(LokiQueryAnswer, vector), ajv.errorsText()).toBe(true);
    expect(ajv.validate(LokiLabelsAnswer, labels), ajv.errorsText()).toBe(true);
    // …and our answers have the same shape, down to the string nanoseconds and numeric seconds.
    const ours = await range('{container="api"}');
    expect(shape(ours.json)).toEqual(shape(streams));
    const health = await get("/loki/api/v1/query", { query: "vector(1)+vector(1)" });
    expect(shape(health.json)).toEqual(shape(vector));
    expect(shape((await get("/loki/api/v1/labels", { start, end })).json)).toEqual(shape(labels));
  });
  it("gives Grafana's annotations the containers' deaths and the incidents as streams", async () => {
    await postBatch(agg.url, syntheticFleet([{ host: "h-3", name: "crasher", fate: "oom" }]));
    const deaths = await range('{fleetscope="deaths", container=~"crash.*"}');
    expect(deaths.status).toBe(200);
    const [died] = deaths.json.data.result as Streams;
    expect(deaths.json.data.result).toHaveLength(1);
    expect(died?.stream).toEqual({ fleetscope: "deaths", host: "h-3", container: "crasher", image: "app:1" });
    expect(died?.values.map(([, line]) => line)).toEqual(["crasher died (exit 137)"]);
    // The detector finds the kill from the oom and die events just stored.
    const oom = await waitFor("the OOM incident as a stream", async () => {
      const r = await range('{fleetscope="incidents", host="h-3"}');
      return (r.json.data.result as Streams).find((s) => s.stream.kind === "oom");
    });
    expect(oom.stream).toMatchObject({ fleetscope: "incidents", host: "h-3", container: "crasher" });
    expect(oom.values[0]?.[1]).toMatch(/crasher/);
    // Anything else on them is Loki's parse error, not an empty answer.
    for (const query of [
      '{fleetscope="bogus"}',
      '{fleetscope="deaths"} |= "x"',
      '{fleetscope="deaths", unit="a"}',
    ]) {
      const r = await range(query);
      expect([r.status, r.text]).toEqual([400, expect.stringMatching(/^parse error/)]);
    }
  });
});
