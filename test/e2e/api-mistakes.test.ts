// The query API answers a mistake with an error that says what was wrong and what is known,
// never with an empty answer that looks like "nothing happened": unknown query parameters,
// unknown containers, unknown event actions, bad regexes, and the errors fastify and Node raise
// before a route runs — all JSON {error, statusCode}. Also the log and event searches.
import { beforeAll, describe, expect, it } from "vitest";
import type { EventRow } from "../../protocol/api/events.ts";
import type { LogLine } from "../../protocol/api/logs.ts";
import type {
  ContainerRecord,
  EventRecord,
  FleetRecord,
  ProcessRecord,
  SampleRecord,
} from "../../protocol/records.ts";
import { apiFetch } from "../helpers/api.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { containerRecord, sampleRecord } from "../helpers/records.ts";
import { getJson, useAggregator } from "../helpers/stack.ts";

const HOST = "mistakes-host";
const T0 = Date.now() - 120_000;
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const idOf = (name: string) => Buffer.from(name).toString("hex").padEnd(64, "0").slice(0, 64);

function container(name: string, state = "running"): ContainerRecord {
  return containerRecord({
    time: at(0),
    host: HOST,
    containerId: idOf(name),
    containerName: name,
    created: at(0),
    state,
  });
}

function event(name: string, action: string, s: number): EventRecord {
  return {
    kind: "event",
    time: at(s),
    host: HOST,
    type: "container",
    action,
    containerId: idOf(name),
    containerName: name,
    image: name === "web-1" ? "nginx:1.27" : "busybox:fleetscope",
    exitCode: action === "die" ? 1 : null,
    attributes: {},
  };
}

const line = (name: string, body: string, s: number, fields = {}) =>
  logRecord({
    time: at(s),
    host: HOST,
    containerId: name ? idOf(name) : "",
    containerName: name,
    body,
    seq: s,
    ...fields,
  });

const sample = (name: string): SampleRecord =>
  sampleRecord({
    time: at(5),
    host: HOST,
    containerId: idOf(name),
    containerName: name,
    cpuUsageSeconds: 1,
    cpuUserSeconds: 1,
    cpuCores: 0.1,
    memoryUsageBytes: 1 << 20,
    memoryWorkingSetBytes: 1 << 20,
    memoryRssBytes: 1 << 20,
  });

const process1: ProcessRecord = {
  kind: "process",
  time: at(5),
  host: HOST,
  containerId: idOf("web-1"),
  containerName: "web-1",
  image: "nginx:1.27",
  pid: 4242,
  nsPid: 1,
  ppid: 1,
  uid: 0,
  user: "root",
  command: "nginx",
  cmdline: "nginx -g daemon off;",
  state: "S",
  cpuPercent: 1,
  rssBytes: 1 << 20,
  threads: 1,
  startTime: at(0),
};

const RECORDS: FleetRecord[] = [
  {
    kind: "host",
    time: at(0),
    host: HOST,
    collectorId: "c1",
    collectorVersion: "0.1.0",
    bootId: "boot-1",
    machineId: "machine-1",
    kernel: "6.1.0",
    cpuCores: 2,
    memoryBytes: 4 << 30,
  },
  container("web-1"),
  container("web-2"),
  container("worker", "exited"),
  event("web-1", "start", 1),
  event("web-1", "die", 30),
  event("worker", "oom-kill", 31),
  event("web-2", "exec_start", 32),
  line("web-1", "dial tcp 10.0.0.7:5432: connection refused", 10),
  line("web-1", "upstream refused the connection", 11),
  line("web-1", "connection reset by peer", 12),
  line("web-1", "GET /healthz 200", 13),
  line("", "Accepted publickey for root", 14, {
    identifier: "sshd",
    unit: "ssh.service",
    source: "journald",
  }),
  line("", "Started Session 4 of user root", 15, { identifier: "systemd", source: "journald" }),
  // Sent by a log driver of a container no collector's inventory has (another Docker host).
  line("driver-only", "from a remote log driver", 16),
  sample("web-1"),
  process1,
];

const SINCE = `since=${encodeURIComponent(at(-60))}`;

async function errorOf(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await apiFetch(url, url, init); // url is absolute: its origin picks the token
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

describe("the API answers mistakes with errors that say what is known", () => {
  const agg = useAggregator("mistakes");
  const logs = async (query: string) =>
    (await getJson<{ logs: LogLine[] }>(agg.url, `/api/v1/logs?${SINCE}&${query}`)).logs.map((l) => l.body);

  beforeAll(async () => {
    await postBatch(agg.url, RECORDS);
  });

  it("refuses an unknown query parameter on every route, naming it and what the route accepts", async () => {
    const { paths } = await getJson<{ paths: Record<string, Record<string, unknown>> }>(
      agg.url,
      "/api/v1/openapi.json",
    );
    const gets = Object.keys(paths).filter((p) => paths[p]?.get);
    expect(gets).toEqual(expect.arrayContaining(["/api/v1/logs", "/healthz", "/api/v1/incidents/{id}"]));
    for (const path of gets) {
      const url = `${agg.url}${path.replace(/\{[^}]+\}/g, "web-1").replace("/*", "/")}?contianer=web-1`;
      const res = await errorOf(url);
      expect({ path, ...res }).toMatchObject({
        path,
        status: 400,
        body: { statusCode: 400, error: expect.stringContaining('unknown query parameter "contianer"') },
      });
    }
    const logsError = (await errorOf(`${agg.url}/api/v1/logs?contianer=web-1`)).body as { error: string };
    expect(logsError.error).toMatch(/accepts: .*\bcontainer\b.*\bregex\b/);
    const noneError = (await errorOf(`${agg.url}/healthz?verbose=1`)).body as { error: string };
    expect(noneError.error).toMatch(/takes no query parameters/);
  });

  it("answers a time or span it cannot use with a plain 400 naming it, on every route that takes one", async () => {
    type Operation = { parameters?: { in: string; name: string }[] };
    const { paths } = await getJson<{ paths: Record<string, { get?: Operation }> }>(
      agg.url,
      "/api/v1/openapi.json",
    );
    const times = ["0001-01-01", "2300-01-01T00:00:00Z", "99999999d", "100000000w", "2026-02-30"];
    const spans = ["0.0000001ms", "0ms", "99999999999w", "1e400d"];
    const BAD: Record<string, string[]> = {
      since: times,
      until: times,
      at: times,
      window: spans,
      recent: spans,
      history: spans,
    };
    const tried = new Set<string>();
    for (const [path, item] of Object.entries(paths)) {
      const names = (item.get?.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
      const base = `${agg.url}${path.replace("{*}", "").replace(/\{[^}]+\}/g, "web-1")}?`;
      const required = path === "/api/v1/why" ? "container=web-1&" : "";
      for (const name of names.filter((n) => BAD[n])) {
        tried.add(name);
        for (const value of BAD[name] as string[]) {
          const { status, body } = await errorOf(`${base}${required}${name}=${encodeURIComponent(value)}`);
          const error = (body as { error?: string }).error ?? "";
          expect({ path, name, value, status, error }).toEqual({ path, name, value, status: 400, error });
          expect({ path, name, error }).toEqual({
            path,
            name,
            error: expect.stringMatching(new RegExp(`^(query parameter )?${name}\\b`)),
          });
          expect(error).not.toMatch(/internal|DB::|Code: \d|ClickHouse|exception|UInt|Decimal/i);
        }
      }
    }
    expect([...tried].sort()).toEqual(["at", "history", "recent", "since", "until", "window"]);
    // A label key must be one: __proto__ names no label of any container.
    expect(await errorOf(`${agg.url}/metrics/fleet?container_labels=role,__proto__`)).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error:
          'container_labels: "__proto__" is not a label key; keys start with a letter or digit, such as com.example.role',
      },
    });
  });

  it("says which value a parameter must have", async () => {
    expect(await errorOf(`${agg.url}/api/v1/logs?limit=many`)).toEqual({
      status: 400,
      body: { statusCode: 400, error: "query parameter limit must be an integer" },
    });
    const state = (await errorOf(`${agg.url}/api/v1/containers?state=up`)).body as { error: string };
    expect(state.error).toMatch(/^query parameter state must be one of: created, running, .*\bremoved\b/);
    expect(await errorOf(`${agg.url}/api/v1/logs?q=a&q=b`)).toEqual({
      status: 400,
      body: { statusCode: 400, error: "query parameter q is given more than once; give it once" },
    });
    expect(await errorOf(`${agg.url}/api/v1/logs?stream=stdin`)).toEqual({
      status: 400,
      body: { statusCode: 400, error: "query parameter stream must be one of: stdout, stderr" },
    });
  });

  it("refuses an unknown event action, listing Docker's and fleetscope's", async () => {
    const { status, body } = await errorOf(`${agg.url}/api/v1/events?${SINCE}&action=die,explode`);
    expect(status).toBe(400);
    const { error } = body as { error: string };
    expect(error).toMatch(/^action: unknown "explode"; known actions: .*\bdie\b/);
    expect(error).toMatch(/\boom-kill\b/);
    expect(error).toMatch(/\bhealth_status\b/);
    const oom = await getJson<{ events: EventRow[] }>(agg.url, `/api/v1/events?${SINCE}&action=oom-kill`);
    expect(oom.events.map((e) => e.containerName)).toEqual(["worker"]);
  });

  it("answers 404 naming known containers like it, on every route that takes a container", async () => {
    const paths = [
      `/api/v1/logs?${SINCE}&container=web-l`,
      `/api/v1/logs/count?${SINCE}&container=web-l`,
      `/api/v1/events?${SINCE}&container=web-l`,
      `/api/v1/incidents?${SINCE}&container=web-l`,
      "/api/v1/containers/web-l",
      "/api/v1/containers/web-l/samples",
      "/api/v1/containers/web-l/processes",
      "/api/v1/why?container=web-l",
    ];
    const like = "known containers like it: web-1, web-2 (see /api/v1/containers)";
    for (const path of paths) {
      expect({ path, ...(await errorOf(`${agg.url}${path}`)) }).toEqual({
        path,
        status: 404,
        body: { statusCode: 404, error: `unknown container "web-l"; ${like}` },
      });
    }
    // cAdvisor's API is about one host: the message says which.
    for (const path of ["/api/v1.3/docker/web-l", "/api/v1.3/containers/docker/web-l"]) {
      expect({ path, ...(await errorOf(`${agg.url}${path}`)) }).toEqual({
        path,
        status: 404,
        body: { statusCode: 404, error: `unknown container "web-l" on host "${HOST}"; ${like}` },
      });
    }
    const far = (await errorOf(`${agg.url}/api/v1/logs?container=zzzzzzzz`)).body as { error: string };
    expect(far.error).toBe('unknown container "zzzzzzzz"; none known is like it (see /api/v1/containers)');
    const onHost = (await errorOf(`${agg.url}/api/v1/logs?container=web-1&host=elsewhere`)).body as {
      error: string;
    };
    expect(onHost.error).toMatch(/^unknown container "web-1" on host "elsewhere"/);
  });

  it("still answers for known containers, by name, id prefix, or lines a log driver sent", async () => {
    expect(await logs("container=web-1&q=healthz")).toEqual(["GET /healthz 200"]);
    expect(await logs(`container=${idOf("web-1").slice(0, 12)}&q=healthz`)).toEqual(["GET /healthz 200"]);
    expect(await logs("container=driver-only")).toEqual(["from a remote log driver"]);
    const samples = await getJson<{ count: number }>(agg.url, `/api/v1/containers/web-1/samples?${SINCE}`);
    expect(samples.count).toBe(1);
    const processes = await getJson<{ count: number }>(agg.url, "/api/v1/containers/web-1/processes");
    expect(processes.count).toBe(1);
  });

  it("ANDs the words of q, keeps quoted phrases together, and counts the same lines", async () => {
    const both = ["upstream refused the connection", "dial tcp 10.0.0.7:5432: connection refused"];
    expect(await logs("q=refused%20connection")).toEqual(both);
    expect(await logs("q=CONNECTION%20refused")).toEqual(both);
    expect(await logs(`q=${encodeURIComponent('"connection refused"')}`)).toEqual([both[1]]);
    expect(await logs(`q=${encodeURIComponent('"refused the" upstream')}`)).toEqual([both[0]]);
    // Whole tokens go through the text index; a term inside a word is still found.
    expect(await logs(`q=${encodeURIComponent("tcp 10.0.0.7:5432")}`)).toEqual([both[1]]);
    expect(await logs("q=onnectio%20efuse")).toEqual(both);
    const count = await getJson<{ count: number }>(
      agg.url,
      `/api/v1/logs/count?${SINCE}&q=refused%20connection`,
    );
    expect(count.count).toBe(2);
    const blank = await errorOf(`${agg.url}/api/v1/logs?q=${encodeURIComponent('"" ')}`);
    expect(blank).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'q: """ " has no words to look for' },
    });
  });

  it("filters by an RE2 regex and by syslog identifier, and refuses a regex RE2 cannot compile", async () => {
    expect(await logs(`regex=${encodeURIComponent(":[0-9]+: connection")}`)).toEqual([
      "dial tcp 10.0.0.7:5432: connection refused",
    ]);
    expect(await logs(`regex=${encodeURIComponent("(?i)^CONNECTION")}`)).toEqual([
      "connection reset by peer",
    ]);
    expect(await logs("identifier=sshd")).toEqual(["Accepted publickey for root"]);
    const count = await getJson<{ count: number }>(agg.url, `/api/v1/logs/count?${SINCE}&identifier=systemd`);
    expect(count.count).toBe(1);
    for (const path of ["/api/v1/logs", "/api/v1/logs/count"]) {
      const bad = await errorOf(`${agg.url}${path}?regex=${encodeURIComponent("conn(ection")}`);
      expect(bad.status).toBe(400);
      expect((bad.body as { error: string }).error).toMatch(
        /^regex: "conn\(ection" is not an RE2 regular expression: missing \)/,
      );
    }
    const long = await errorOf(`${agg.url}/api/v1/logs?regex=${"a".repeat(501)}`);
    expect(long).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^query parameter regex /) },
    });
  });

  it("searches events by container name, image, action and host (case-insensitive)", async () => {
    const names = async (q: string) =>
      (await getJson<{ events: EventRow[] }>(agg.url, `/api/v1/events?${SINCE}&q=${q}`)).events.map(
        (e) => `${e.containerName} ${e.action}`,
      );
    expect(await names("WEB-1")).toEqual(["web-1 die", "web-1 start"]);
    expect(await names("nginx")).toEqual(["web-1 die", "web-1 start"]);
    expect(await names("OOM")).toEqual(["worker oom-kill"]);
    expect((await names("mistakes-HOST")).length).toBe(4);
    expect(await names("nothing-like-this")).toEqual([]);
  });

  it("answers fastify's and Node's own errors in the same JSON shape", async () => {
    const longParam = await errorOf(`${agg.url}/api/v1/containers/${"x".repeat(150)}`);
    expect(longParam).toMatchObject({
      status: 414,
      body: { statusCode: 414, error: expect.stringMatching(/too long/) },
    });
    expect(Object.keys(longParam.body as object).sort()).toEqual(["error", "statusCode"]);
    const badEscape = await errorOf(`${agg.url}/api/v1/containers/%zz`);
    expect(badEscape).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: expect.stringMatching(/percent/) },
    });
    const huge = await errorOf(`${agg.url}/api/v1/logs?q=${"a".repeat(20_000)}`);
    expect(huge).toMatchObject({
      status: 431,
      body: { statusCode: 431, error: expect.stringMatching(/shorten the URL/) },
    });
    const badJson = await errorOf(`${agg.url}/api/v1/ingest`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(badJson.status).toBe(400);
    expect(Object.keys(badJson.body as object).sort()).toEqual(["error", "statusCode"]);
    const noRoute = await errorOf(`${agg.url}/api/v2/logs`);
    expect(noRoute).toMatchObject({ status: 404, body: { statusCode: 404 } });
  });
});
