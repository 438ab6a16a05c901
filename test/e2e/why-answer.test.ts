// The why answer against a real aggregator loaded through its ingest API. Times at full
// (nanosecond) precision, end to end: `why` at a death's exact time explains that death and not
// the one a microsecond before, from the API and from the TUI (Events → die → Enter); every time
// parameter refuses what it cannot use with a 400 naming it; the log tail neither repeats nor
// skips lines of one millisecond. And both renderers word it alike: 30 ms, 1 start, 1 sample.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderWhy } from "../../cli/render/why-text.ts";
import { createApiClient } from "../../client/api-client.ts";
import { LogTail } from "../../client/tail.ts";
import { toEventRecord } from "../../collector/sources/docker-events/docker-events-source.ts";
import type { WhyAnswer } from "../../protocol/api/why.ts";
import type {
  ContainerRecord,
  EventRecord,
  FleetRecord,
  HostRecord,
  SampleRecord,
} from "../../protocol/records.ts";
import { nanosToRfc3339 } from "../../protocol/time.ts";
import { whyLines } from "../../tui/views/why.ts";
import { apiFetch, tokenFor } from "../helpers/api.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { containerRecord, sampleRecord } from "../helpers/records.ts";
import { getJson, useAggregator } from "../helpers/stack.ts";
import { containerId } from "../helpers/synthetic-fleet.ts";
import { KEYS, renderTop } from "../helpers/tui.ts";

const HOST = "node-t";
const NAME = "crashloop";
const ID = containerId(HOST, NAME);
const ref = { containerId: ID, containerName: NAME, image: "app:1" };

// Two deaths of a crash loop within one millisecond (…724001 and …724798 ns into it): a
// millisecond-precise `at` cannot tell them apart.
const msAgo = (ms: number) => BigInt(Date.now() - ms) * 1_000_000n;
const death2 = msAgo(60_000) + 724_798n;
const death1 = death2 - 797n;
const at = (nanos: bigint) => nanosToRfc3339(nanos);

/** An event of the default container `ref`; a die carries its exit code as an attribute too. */
function event(nanos: bigint, action: string, exitCode: number | null = null): EventRecord {
  const attributes: Record<string, string> = exitCode === null ? {} : { exitCode: String(exitCode) };
  return eventsOf(ref)(nanos, action, exitCode, attributes);
}

/** Events of one container (`ref`) on HOST: time in nanoseconds, then action, exit code, attributes. */
const eventsOf =
  (ref: { containerId: string; containerName: string; image: string }) =>
  (
    nanos: bigint,
    action: string,
    exitCode: number | null,
    attributes: Record<string, string>,
  ): EventRecord => ({
    kind: "event",
    time: at(nanos),
    host: HOST,
    ...ref,
    type: "container",
    action,
    exitCode,
    attributes,
  });

/** A container that ran for 30 ms, started once, sampled once, printed one line. */
function blip(): FleetRecord[] {
  const r = { containerId: containerId(HOST, "blip"), containerName: "blip", image: "app:1" };
  const died = death2 + 1_000_000_000n;
  const ev = eventsOf(r);
  const sample: SampleRecord = sampleRecord({
    time: at(died - 20_000_000n),
    host: HOST,
    ...r,
    cpuUsageSeconds: 0.01,
    cpuCores: 0.1,
    memoryUsageBytes: 1 << 20,
    memoryWorkingSetBytes: 1 << 20,
    memoryRssBytes: 1 << 20,
  });
  return [
    ev(died - 30_000_000n, "start", null, { startedBy: "user" }),
    sample,
    logRecord({
      time: at(died - 10_000_000n),
      host: HOST,
      source: "docker-json",
      ...r,
      body: "done",
      seq: 1,
    }),
    ev(died, "die", 0, { exitCode: "0", ranForMs: "30", restartPolicy: "no" }),
  ];
}

/**
 * A neighbour's health checks (and one `docker exec`) as Docker 20.10 sent them (fixture), as the
 * collector records them, moved to the 20 s before the second death.
 */
function healthChecks(): FleetRecord[] {
  const text = readFileSync(
    new URL("../fixtures/docker-events/health-check.ndjson", import.meta.url),
    "utf8",
  );
  const lines = text.trim().split("\n");
  const nanoOf = (line: string) => BigInt(/"timeNano":(\d+)/.exec(line)?.[1] ?? "0");
  const first = nanoOf(lines[0] as string);
  return lines.map((line) =>
    toEventRecord(JSON.parse(line), death2 - 20_000_000_000n + nanoOf(line) - first, HOST, {
      get: () => undefined,
    }),
  );
}

function records(): FleetRecord[] {
  const container: ContainerRecord = {
    kind: "container",
    time: at(death2 + 1_000_000n),
    host: HOST,
    ...ref,
    created: at(death1 - 10_000_000_000n),
    state: "exited",
    exitCode: 2,
    oomKilled: false,
    logDriver: "json-file",
    labels: {},
    memoryLimitBytes: 0,
    cpuLimitCores: 0,
    restartPolicy: "always",
  };
  const line = (nanos: bigint, body: string, seq: number) =>
    logRecord({ time: at(nanos), host: HOST, source: "docker-json", ...ref, body, seq });
  const heartbeat: HostRecord = {
    kind: "host",
    time: at(death2),
    host: HOST,
    collectorId: "c",
    collectorVersion: "0.1.0",
    bootId: "b",
    machineId: "m",
    kernel: "6.1.0",
    cpuCores: 2,
    memoryBytes: 2 ** 30,
  };
  return [
    heartbeat,
    container,
    ...blip(),
    ...healthChecks(),
    event(death1 - 10_000_000_000n, "create"),
    event(death1 - 5_000_000_000n, "start"),
    line(death1 - 1_000_000_000n, "run 1: config missing", 1),
    event(death1, "die", 1),
    event(death1 + 300n, "start"),
    line(death1 + 400n, "run 2: disk full", 2),
    event(death2, "die", 2),
  ];
}

interface Why {
  event: { time: string; exitCode: number };
  lastLogs: { body: string }[];
}

describe("the why answer", () => {
  const agg = useAggregator("why-exact-time");
  let loaded: Promise<void> | undefined;
  const load = () => {
    loaded ??= postBatch(agg.url, records());
    return loaded;
  };
  const get = async (path: string) => {
    const res = await apiFetch(agg.url, path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("why at a death's exact time explains that death; 1 ns before, the previous one", async () => {
    await load();
    const why = (t: bigint) => getJson<Why>(agg.url, `/api/v1/why?container=${NAME}&at=${at(t)}`);
    const second = await why(death2);
    expect(second.event).toMatchObject({ time: at(death2), exitCode: 2 });
    expect(second.lastLogs.map((l) => l.body)).toEqual(["run 1: config missing", "run 2: disk full"]);
    const first = await why(death2 - 1n);
    expect(first.event).toMatchObject({ time: at(death1), exitCode: 1 });
    // The next run's lines (it restarted 300 ns later) are not this death's last lines.
    expect(first.lastLogs.map((l) => l.body)).toEqual(["run 1: config missing"]);
    const none = await get(`/api/v1/why?container=${NAME}&at=${at(death1 - 1n)}`);
    expect(none.status).toBe(404);
    expect(none.body.error).toMatch(/no death of "crashloop" is recorded at or before /);
    // Lists compare at full precision too: `until` at the first death keeps it and not the second.
    const { events } = await getJson<{ events: { time: string }[] }>(
      agg.url,
      `/api/v1/events?container=${NAME}&action=die&since=1h&until=${at(death1)}`,
    );
    expect(events.map((e) => e.time)).toEqual([at(death1)]);
  });

  it("refuses a time it cannot use with a 400 naming the parameter, never a 500", async () => {
    await load();
    const cases: [string, string, RegExp][] = [
      ["/api/v1/why?container=crashloop&at=garbage", "at", /neither RFC 3339/],
      ["/api/v1/why?container=crashloop&at=2026-02-30T00:00:00Z", "at", /February 2026 has 28 days/],
      ["/api/v1/events?since=99999999d", "since", /outside the times the store can hold/],
      ["/api/v1/events?since=2026-13-01T00:00:00Z", "since", /month 13/],
      ["/api/v1/logs?until=2262-04-12T00:00:00Z", "until", /outside the times/],
      ["/api/v1/logs?since=1899-12-31T23:59:59Z", "since", /outside the times/],
      ["/api/v1/incidents?since=1800-01-01", "since", /outside the times/],
      ["/api/v1/containers/crashloop/samples?until=2026-04-31T00:00:00Z", "until", /April 2026 has 30 days/],
      ["/api/v1/containers/crashloop/processes?at=2300-01-01T00:00:00Z", "at", /outside the times/],
      ["/api/v1/processes/top?since=1e9d", "since", /neither RFC 3339/],
      ["/api/v1/top/containers?until=2026-11-22T25:00:00Z", "until", /hour 25/],
      ["/api/v1.3/docker/?since=100000000w", "since", /outside the times/],
      [
        "/api/v1/overview/containers?history=99999999d",
        "history",
        /outside the durations it takes, 1s to 366d/,
      ],
      ["/api/v1/overview/containers?window=0.0000001ms", "window", /outside the durations it takes/],
    ];
    // The very edges of the store's range are times like any other.
    const edges = [
      "/api/v1/events?since=1900-01-01T00:00:00Z&until=1969-12-31T23:59:59.999999999Z",
      "/api/v1/logs?since=2262-04-11T23:47:16Z&until=2262-04-11T23:47:16.854775807Z",
    ];
    for (const path of edges)
      expect({ path, status: (await get(path)).status }).toEqual({ path, status: 200 });
    for (const [path, name, reason] of cases) {
      const { status, body } = await get(path);
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(body.error).toMatch(new RegExp(`^${name}: `));
      expect(body.error).toMatch(reason);
    }
  });

  it("TUI: Events → a die → Enter explains that die, not the one a microsecond before it", async () => {
    await load();
    const top = renderTop(agg.url, {
      view: "events",
      ctx: { host: HOST, container: ID, containerName: NAME },
    });
    try {
      await top.until(/die +2 crashloop/);
      top.press(KEYS.enter); // the newest row: the second death
      await top.until(/exit code: 2\b/);
      top.press(KEYS.backspace);
      await top.until(/die +1 crashloop/);
      top.press(KEYS.down, KEYS.down, KEYS.enter); // die 2, start, die 1
      const s = await top.until(/exit code: 1\b/);
      expect(s).toMatch(/run 1: config missing/);
      expect(s).not.toMatch(/run 2: disk full/);
    } finally {
      top.unmount();
    }
  });

  it("the log tail neither repeats nor skips lines that share a millisecond", async () => {
    const base = msAgo(30_000);
    const line = (offsetNs: bigint, body: string, seq: number) =>
      logRecord({ time: at(base + offsetNs), host: "tail-host", source: "docker-json", body, seq });
    await postBatch(agg.url, [line(1n, "a", 1), line(2n, "b", 2)]);
    const tail = new LogTail(
      createApiClient(agg.url, tokenFor(agg.url)),
      { host: "tail-host" },
      { since: "5m" },
    );
    expect((await tail.poll()).map((l) => l.body)).toEqual(["a", "b"]);
    // Later in the same millisecond, at the very same nanosecond as b (another line), and the next ms.
    await postBatch(agg.url, [line(3n, "c", 3), line(2n, "b2", 4), line(1_000_000n, "d", 5)]);
    expect((await tail.poll()).map((l) => l.body)).toEqual(["b2", "c", "d"]);
    expect(await tail.poll()).toEqual([]);
    await postBatch(agg.url, [line(1_000_000n, "d2", 7), line(1_000_001n, "f", 8)]);
    expect((await tail.poll()).map((l) => l.body)).toEqual(["d2", "f"]);
  });

  it("TUI why: a neighbour's health-check execs are counted and left out until x shows them", async () => {
    await load();
    const ctx = { host: HOST, container: ID, containerName: NAME, at: at(death2) };
    const top = renderTop(agg.url, { view: "why", ctx, rows: 80 });
    try {
      let s = await top.until("left out; x shows them");
      expect(s).toMatch(/\(15 exec events \(health checks, docker exec\) left out; x shows them\)/);
      expect(s).toMatch(/health_status: healthy +h1-health-probe-3987/);
      expect(s).not.toMatch(/exec_/);
      top.press("x");
      s = await top.until(/exec_start ×\d/);
      expect(s).toMatch(/-[\d.]+ s +exec_die ×5 +h1-health-probe-3987 \(exit 0\)/);
      expect(s).not.toContain("left out");
    } finally {
      top.unmount();
    }
  });

  it("both renderers word it alike: ran for 30 ms, 1 start, 1 sample, 1 line", async () => {
    await load();
    const a = await getJson<WhyAnswer>(agg.url, "/api/v1/why?container=blip");
    const tui = whyLines(a, 100)
      .map((line) => line.map((s) => s.text).join(""))
      .join("\n");
    for (const text of [renderWhy(a), tui]) {
      expect(text).toMatch(/ran for: 30 ms/);
      expect(text).toMatch(/restarts: +1 start in the last hour, 0 by the daemon/);
      expect(text).toMatch(/\(1 sample\)/);
      expect(text).toMatch(/last 1 line before it/);
    }
  });

  it("keeps the kernel's OOM report however many oom events Docker sends after it", async () => {
    // Docker sends an `oom` event per memory-cgroup OOM notification: a container growing a shell
    // variable got a dozen after the kernel's one report. Newest first, they must not crowd it out.
    const r = { containerId: containerId(HOST, "greedy"), containerName: "greedy", image: "app:1" };
    const died = death2 + 5_000_000_000n;
    const ev = eventsOf(r);
    const kill = ev(died - 900_000_000n, "oom-kill", null, {
      process: "sh",
      pid: "4242",
      usageBytes: String(16 << 20),
      limitBytes: String(16 << 20),
    });
    const dockerOoms = Array.from({ length: 12 }, (_, i) =>
      ev(died - 800_000_000n + BigInt(i) * 1000n, "oom", null, {}),
    );
    const inventory = containerRecord({
      time: at(died),
      host: HOST,
      ...r,
      state: "exited",
      exitCode: 137,
      oomKilled: true,
    });
    await postBatch(agg.url, [
      inventory,

      ev(died - 4_000_000_000n, "start", null, {}),
      kill,
      ...dockerOoms,
      ev(died, "die", 137, { exitCode: "137" }),
    ]);
    const a = await getJson<WhyAnswer>(agg.url, "/api/v1/why?container=greedy");
    expect(a.event.oomKilled).toBe(true);
    expect(a.event.oomKill).toMatchObject({ process: "sh", pid: 4242, limitBytes: 16 << 20 });
  });
});
