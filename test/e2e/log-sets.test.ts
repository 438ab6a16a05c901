// Log sets and scoped reads: two ingest tokens (log sets web and db) send for two hosts; a reader
// limited to log set web, and one limited to host-one, call every GET route of the OpenAPI
// document and never see what is outside their scope, while the admin sees everything. Also:
// a batch id is deduplicated per sender and host only.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import { apiFetch, createToken } from "../helpers/api.ts";
import { sendBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { containerRecord, sampleRecord } from "../helpers/records.ts";
import { getJson, useAggregator, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const HOST_ONE = "logsets-host-one";
const HOST_TWO = "logsets-host-two";

/** A container's rows of every kind, for one host, with markers that name it in every answer. */
function containerRows(host: string, name: string, id: string): FleetRecord[] {
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const ref = { host, containerId: id, containerName: name, image: `${name}-image:1` };
  return [
    {
      kind: "host",
      time: at(5_000),
      host,
      collectorId: `${host}-c`,
      collectorVersion: "t",
      bootId: "b",
      machineId: "m",
      kernel: "k",
      cpuCores: 2,
      memoryBytes: 1 << 30,
    },
    containerRecord({ ...ref, time: at(30_000), created: at(120_000), state: "running" }),
    containerRecord({ ...ref, time: at(4_000), created: at(120_000), state: "exited", exitCode: 3 }),
    sampleRecord({ ...ref, time: at(20_000), cpuUsageSeconds: 1, memoryWorkingSetBytes: 1000 }),
    sampleRecord({ ...ref, time: at(10_000), cpuUsageSeconds: 2, memoryWorkingSetBytes: 2000 }),
    logRecord({ ...ref, time: at(15_000), body: `${name}-secret-line`, seq: 1 }),
    {
      kind: "event",
      ...ref,
      time: at(60_000),
      type: "container",
      action: "start",
      exitCode: null,
      attributes: {},
    },
    { kind: "event", ...ref, time: at(5_000), type: "container", action: "die", exitCode: 3, attributes: {} },
    {
      kind: "process",
      ...ref,
      time: at(10_000),
      pid: 4242,
      nsPid: 1,
      ppid: 0,
      uid: 0,
      user: "root",
      command: name.slice(0, 15),
      cmdline: `${name}-secret-cmdline --serve`,
      state: "S",
      cpuPercent: 5,
      rssBytes: 1000,
      threads: 1,
      startTime: at(100_000),
    },
  ] as FleetRecord[];
}

const hexId = () => randomUUID().replaceAll("-", "").repeat(2);

/** The message of an error answer ({error, statusCode}), or the whole text when it is not one. */
function errorOf(text: string): string {
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    return typeof error === "string" ? error : text;
  } catch {
    return text;
  }
}

interface Seen {
  status: number;
  text: string;
}

/** The OpenAPI document's GET paths with their required query parameters. */
async function getRoutes(url: string): Promise<{ path: string; required: string[] }[]> {
  const doc = await getJson<{
    paths: Record<
      string,
      Record<string, { parameters?: { name: string; in: string; required?: boolean }[] }>
    >;
  }>(url, "/api/v1/openapi.json");
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    ops.get
      ? [
          {
            path,
            required: (ops.get.parameters ?? [])
              .filter((p) => p.in === "query" && p.required)
              .map((p) => p.name),
          },
        ]
      : [],
  );
  // The 17 read routes of the issue, tokens and the OpenAPI document itself.
  expect(documented.length).toBeGreaterThanOrEqual(18);
  // cAdvisor's spellings without the trailing slash, which the document leaves out.
  const aliases = ["/api/v1.3/docker", "/api/v1.3/containers"].map((path) => ({ path, required: [] }));
  return [...documented, ...aliases];
}

describe("log sets and scoped reads", () => {
  const agg = useAggregator("log-sets");
  const web = { name: "web-app-7", id: hexId() };
  const db = { name: "db-app-9", id: hexId() };
  const dbOnHostOne = { name: "db-beside-web", id: hexId() };
  const tokens = { webReader: "", hostOneReader: "", admin: "" };
  const incidentOf: Record<string, string> = {};

  beforeAll(async () => {
    const webIngest = await createToken(agg.url, { role: "ingest", logSet: "web" });
    const dbIngest = await createToken(agg.url, { role: "ingest", logSet: "db" });
    tokens.webReader = (await createToken(agg.url, { role: "read", readLogSets: ["web"] })).secret;
    tokens.hostOneReader = (await createToken(agg.url, { role: "read", readHosts: [HOST_ONE] })).secret;
    const sends = [
      sendBatch(agg.url, containerRows(HOST_ONE, web.name, web.id), {
        token: webIngest.secret,
        host: HOST_ONE,
      }),
      sendBatch(agg.url, containerRows(HOST_TWO, db.name, db.id), { token: dbIngest.secret, host: HOST_TWO }),
      sendBatch(agg.url, containerRows(HOST_ONE, dbOnHostOne.name, dbOnHostOne.id), {
        token: dbIngest.secret,
        host: HOST_ONE,
      }),
    ];
    for (const answer of await Promise.all(sends))
      expect(answer).toMatchObject({ status: 200, body: { rejected: 0 } });
    // The detector writes an exit incident per container, each in its container's log set.
    await waitFor("an incident of each container", async () => {
      const { incidents } = await getJson<{ incidents: { id: string; containerName: string }[] }>(
        agg.url,
        "/api/v1/incidents?since=1h",
      );
      for (const i of incidents) incidentOf[i.containerName] = i.id;
      return [web, db, dbOnHostOne].every((c) => incidentOf[c.name]);
    });
  });

  /** Every GET route, as `token`, for each container and incident it names (and `?host=` each host). */
  async function callEveryRoute(
    token: string,
    containers: string[],
    incidents: string[],
  ): Promise<Map<string, Seen>> {
    const seen = new Map<string, Seen>();
    for (const { path, required } of await getRoutes(agg.url)) {
      const concrete = path.includes("{container}")
        ? containers.map((c) => path.replace("{container}", encodeURIComponent(c)))
        : path.includes("{id}")
          ? incidents.map((id) => path.replace("{id}", id))
          : path.includes("{*}")
            ? ["", "docker", ...containers.map((c) => `docker/${c}`)].map((p) => path.replace("{*}", p))
            : [path];
      for (const base of concrete) {
        const queries = [
          required.map(
            (name) => `${name}=${encodeURIComponent(name === "container" ? (containers[0] ?? "") : "")}`,
          ),
          ...[HOST_ONE, HOST_TWO].map((h) => [
            ...required.map((n) => `${n}=${encodeURIComponent(containers[0] ?? "")}`),
            `host=${h}`,
          ]),
          ...containers.map((c) => [`container=${encodeURIComponent(c)}`]),
        ];
        for (const q of queries) {
          const url = `${base}${q.length ? `?${q.join("&")}` : ""}`;
          const res = await apiFetch(agg.url, url, { token });
          seen.set(url, { status: res.status, text: await res.text() });
        }
      }
    }
    return seen;
  }

  /** Forbidden markers in answers; an error quoting back what the URL asked for is no leak. */
  const leaks = (seen: Map<string, Seen>, forbidden: string[]) =>
    [...seen].flatMap(([url, s]) => {
      const asked = decodeURIComponent(url);
      const text = forbidden.reduce(
        (t, f) => (asked.includes(f) ? t.replaceAll(`"${f}"`, "") : t),
        s.status >= 400 ? errorOf(s.text) : s.text,
      );
      return forbidden
        .filter((f) => text.includes(f))
        .map((f) => `${url} (${s.status}) shows ${f}: ${s.text.slice(0, 300)}`);
    });
  const faults = (seen: Map<string, Seen>) =>
    [...seen]
      .filter(([, s]) => s.status >= 500)
      .map(([url, s]) => `${url} → ${s.status} ${s.text.slice(0, 300)}`);
  const markersOf = (c: { name: string; id: string }) => [c.name, c.id.slice(0, 12), `${c.name}-secret`];

  it("the admin sees both log sets", async () => {
    const { containers } = await getJson<{ containers: { name: string }[] }>(agg.url, "/api/v1/containers");
    expect(containers.map((c) => c.name)).toEqual(
      expect.arrayContaining([web.name, db.name, dbOnHostOne.name]),
    );
    const { logs } = await getJson<{ logs: LogLine[] }>(agg.url, "/api/v1/logs?q=secret-line&since=1h");
    expect(logs.map((l) => l.body).sort()).toEqual(
      [`${db.name}-secret-line`, `${dbOnHostOne.name}-secret-line`, `${web.name}-secret-line`].sort(),
    );
  });

  it("a reader limited to log set web sees none of db's rows, hosts, containers or incidents on any GET route", async () => {
    const seen = await callEveryRoute(
      tokens.webReader,
      [web.name, db.name, dbOnHostOne.name],
      [incidentOf[web.name] as string, incidentOf[db.name] as string, incidentOf[dbOnHostOne.name] as string],
    );
    expect(faults(seen)).toEqual([]);
    expect(
      leaks(seen, [...markersOf(db), ...markersOf(dbOnHostOne), HOST_TWO, incidentOf[db.name] as string]),
    ).toEqual([]);
    // What is in its scope it does see, on every route that lists containers.
    const listing = ["/api/v1/containers", "/api/v1/overview/containers", "/api/v1/events", "/api/v1/logs"];
    for (const path of [
      ...listing,
      "/api/v1/processes/top",
      "/api/v1/hosts",
      `/api/v1/why?container=${web.name}`,
    ])
      expect(seen.get(path)?.text, path).toContain(path === "/api/v1/hosts" ? HOST_ONE : web.name);
    expect(seen.get(`/api/v1/logs?container=${web.name}`)?.text).toContain(`${web.name}-secret-line`);
    expect(seen.get("/api/v1/incidents")?.text).toContain(incidentOf[web.name]);
  });

  it("a reader limited to host-one sees nothing of host-two on any GET route", async () => {
    const seen = await callEveryRoute(
      tokens.hostOneReader,
      [web.name, dbOnHostOne.name, db.name],
      [incidentOf[web.name] as string, incidentOf[dbOnHostOne.name] as string, incidentOf[db.name] as string],
    );
    expect(faults(seen)).toEqual([]);
    expect(leaks(seen, [...markersOf(db), HOST_TWO, incidentOf[db.name] as string])).toEqual([]);
    expect(seen.get(`/api/v1/logs?container=${dbOnHostOne.name}`)?.text).toContain(
      `${dbOnHostOne.name}-secret-line`,
    );
  });

  it("a container outside the reader's scope answers as an unknown one does, with suggestions from its scope", async () => {
    const ask = async (name: string) => {
      const res = await apiFetch(agg.url, `/api/v1/containers/${name}`, { token: tokens.webReader });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    const outside = await ask(db.name);
    const unknown = await ask("never-ran-here");
    expect(outside.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(outside.error).toBe(unknown.error.replace("never-ran-here", db.name));
    // "db-app-8" is one typo from db-app-9, which the reader may not know of.
    expect((await ask("db-app-8")).error).not.toContain(db.name);
    expect((await ask("web-app-8")).error).toContain(web.name);
  });
});

describe("batch deduplication is per sender and host", () => {
  const agg = useAggregator("dedup-scope");

  const linesOf = async (marker: string) =>
    (
      await getJson<{ logs: LogLine[] }>(
        agg.url,
        `/api/v1/logs?q=${marker}&since=2026-11-22T00:00:00Z&limit=100`,
      )
    ).logs
      .map((l) => l.body)
      .sort();
  const line = (host: string, body: string) =>
    logRecord({ time: "2026-11-22T02:00:00Z", host, containerName: "dedup", body, seq: 1 });

  it("another host or another token reusing a batch id stores its own records; the same sender repeating stores once", async () => {
    const batchId = `shared-${randomUUID()}`;
    const other = await createToken(agg.url, { role: "ingest", logSet: "default" });
    const mine = await createToken(agg.url, { role: "ingest", logSet: "default" });
    const sends = [
      { token: mine.secret, host: "dedup-a", body: "dedupmark from-a" },
      { token: mine.secret, host: "dedup-b", body: "dedupmark from-b-same-id" },
      { token: other.secret, host: "dedup-a", body: "dedupmark from-other-token-same-host-same-id" },
      { token: mine.secret, host: "dedup-a", body: "dedupmark from-a" },
    ];
    for (const s of sends) {
      const answer = await sendBatch(agg.url, [line(s.host, s.body)], {
        token: s.token,
        host: s.host,
        batchId,
      });
      expect(answer).toMatchObject({ status: 200, body: { accepted: 1 } });
    }
    expect(await linesOf("dedupmark")).toEqual(
      ["dedupmark from-a", "dedupmark from-b-same-id", "dedupmark from-other-token-same-host-same-id"].sort(),
    );
  });
});

describe("/metrics for a reader limited to log sets", () => {
  const up = useUpStack("log-sets-metrics");

  it("gives the aggregator's own counters, not the local collector's (which name this host's containers)", async () => {
    const reader = await createToken(up.url, { role: "read", readLogSets: ["web"] });
    const admin = await waitFor("the in-process collector's metrics", async () => {
      const text = await (await apiFetch(up.url, "/metrics")).text();
      return text.includes("fleetscope_collector_") && text;
    });
    expect(admin).toContain("fleetscope_aggregator_");
    const res = await apiFetch(up.url, "/metrics", { token: reader.secret });
    expect(res.status).toBe(200);
    const scoped = await res.text();
    expect(scoped).toContain("fleetscope_aggregator_");
    expect(scoped).not.toContain("fleetscope_collector_");
  });
});
