// `fleetscope logs` as journalctl and docker logs users type it: several words ANDed, "phrases",
// identifier: and regex: words, --tail and an exact --until, mistakes as errors that say what is
// known, and -f riding out an aggregator restart — against a real aggregator fed through ingest.
import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../../client/api-client.ts";
import { LogTail } from "../../client/tail.ts";
import { nanosToRfc3339 } from "../../protocol/time.ts";
import { rememberToken, tokenFor } from "../helpers/api.ts";
import { lines, runCli } from "../helpers/cli.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { type FleetscopeProcess, fleetscope, freePort, startAggregator, tempDir } from "../helpers/stack.ts";
import { containerId } from "../helpers/synthetic-fleet.ts";
import { waitFor } from "../helpers/wait.ts";

const T0 = Date.now() - 120_000;
const BODIES = [
  "connection refused by db:5432",
  "db refused the connection",
  "refused: no route",
  "GET /health took 12 ms",
  "GET /orders took 1500 ms",
];

/** A line of container `name` on h-1, `i` tenths of a second after T0, at a nanosecond time. */
function containerLine(name: string, body: string, i: number, time?: string) {
  const t = new Date(T0 + i * 100).toISOString().replace("Z", "456789Z");
  return logRecord({
    time: time ?? t,
    host: "h-1",
    source: "docker-json",
    containerId: containerId("h-1", name),
    containerName: name,
    body,
    seq: i,
  });
}

const journalLine = (identifier: string, unit: string, body: string, i: number) =>
  logRecord({
    time: new Date(T0 + i * 100).toISOString(),
    host: "h-1",
    source: "journald",
    identifier,
    unit,
    body,
    seq: 100 + i,
  });

describe("fleetscope logs", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let agg: FleetscopeProcess | undefined;
  let port: number;
  let url: string;
  let follow: FleetscopeProcess | undefined;
  const logs = (...args: string[]) => runCli(["logs", "--url", url, "--since", "1h", ...args]);
  const bodies = async (...args: string[]) =>
    lines(await logs("-o", "json", ...args)).map((l) => JSON.parse(l).body as string);

  beforeAll(async () => {
    dir = await tempDir("cli-logs");
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    agg = await startAggregator(dir.path, port);
    await postBatch(url, [
      ...BODIES.map((b, i) => containerLine("api", b, i)),
      journalLine("sshd", "ssh.service", "Accepted publickey for root", 10),
      journalLine("CRON", "cron.service", "(root) CMD (run-parts /etc/cron.hourly)", 11),
    ]);
  });
  afterAll(async () => {
    await follow?.stop();
    await agg?.stop();
    await dir?.remove();
  });

  it("ANDs free words in any order; a quoted phrase, or one shell argument with spaces, is one term", async () => {
    expect(await bodies("container:api", "refused", "connection")).toEqual([BODIES[0], BODIES[1]]);
    expect(await bodies("container:api", '"connection refused"')).toEqual([BODIES[0]]);
    expect(await bodies("container:api", "connection refused")).toEqual([BODIES[0]]); // the shell ate the quotes
  });

  it("identifier: is journalctl -t; regex: is matched by the server", async () => {
    expect(await bodies("identifier:sshd")).toEqual(["Accepted publickey for root"]);
    expect(await bodies("identifier:CRON", "unit:cron.service")).toEqual([
      "(root) CMD (run-parts /etc/cron.hourly)",
    ]);
    expect(await bodies("container:api", 'regex:"took \\d{4,} ms"')).toEqual([BODIES[4]]);
    const bad = await logs("regex:(unclosed");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^fleetscope: .*regex/);
  });

  it("--tail N is the last N lines, oldest first (--limit the same); --until ends at an exact time", async () => {
    expect(await bodies("container:api", "--tail", "2")).toEqual(BODIES.slice(3));
    expect(await bodies("container:api", "-n", "2")).toEqual(BODIES.slice(3));
    expect(await bodies("container:api", "--limit", "2")).toEqual(BODIES.slice(3));
    const [, second] = lines(await logs("container:api", "-o", "json")).map(
      (l) => JSON.parse(l).time as string,
    );
    expect(second).toMatch(/\.\d{3}456789Z$/); // the stored nanoseconds
    expect(await bodies("container:api", "--until", second as string)).toEqual(BODIES.slice(0, 2));
    const tail = await logs("--tail", "0");
    expect(tail.code).toBe(1);
    expect(tail.stderr).toMatch(/--tail.*expected 1 to 10000/);
  });

  it("says on stderr when nothing matched, and exits 0", async () => {
    const r = await logs("container:api", "no-such-words");
    expect(r).toEqual({
      code: 0,
      stdout: "",
      stderr: "fleetscope: no line matches since 1h (a longer --since looks further back)\n",
    });
  });

  it("a misspelt field word is an error naming the known ones, not text that matches nothing", async () => {
    const r = await logs("contaner:api");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'fleetscope: contaner:api: no filter field "contaner" (did you mean container:?); known: host, container, stream, unit, level, identifier, regex; to search for the text itself, quote it: "contaner:api"\n',
    );
  });

  it("an unknown container is the API's 404: its message, exit 1", async () => {
    const r = await logs("container:apii");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^fleetscope: unknown container "apii"; .*\(see \/api\/v1\/containers\)\n$/);
  });

  it("-f --since now prints a line stored after it started, however late its polls come", async () => {
    // Through a proxy that notes each request, to know when the tail has polled once with nothing
    // to show: a since read again at every poll ("now" then) would pass over the line below.
    const polls: number[] = [];
    const proxy = createServer((req, res) => {
      if (req.url?.startsWith("/api/v1/logs")) polls.push(Date.now());
      const upstream = request(`${url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    proxy.listen(0, "127.0.0.1");
    await once(proxy, "listening");
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    rememberToken(proxyUrl, tokenFor(url) as string);
    const late = fleetscope([
      "logs",
      "--url",
      proxyUrl,
      "-f",
      "--since",
      "now",
      "--interval",
      "200ms",
      "container:api",
    ]);
    try {
      const firstPoll = await waitFor("the first poll", () => polls[0]);
      await waitFor("two more polls a second later", () =>
        polls.filter((t) => t > firstPoll + 1000).length >= 2 ? true : undefined,
      );
      // Timed after the tail started (before its first poll) and before its last polls.
      const time = new Date(firstPoll).toISOString().replace("Z", "000001Z");
      await postBatch(url, [containerLine("api", "stored after the tail started", 30, time)]);
      await waitFor("the late line", () => late.stdout.includes("stored after the tail started"));
    } finally {
      await late.stop();
      proxy.close();
    }
  });

  it("-f prints every line of a burst larger than one read, once and in order", async () => {
    await postBatch(url, [containerLine("burst", "burst opens", 40, new Date().toISOString())]);
    const burst = fleetscope(["logs", "--url", url, "-f", "--interval", "200ms", "container:burst"]);
    // The same tail in this process, made to keep at most 1,000 rows a poll: it must say what it passed over.
    const small = new LogTail(
      createApiClient(url, tokenFor(url)),
      { container: "burst" },
      {
        since: "1h",
        limit: 10,
        maxPerPoll: 1000,
      },
    );
    try {
      expect((await small.poll()).map((l) => l.body)).toEqual(["burst opens"]);
      await waitFor("the first line", () => burst.stdout.includes("burst opens"));
      // 2,500 lines in one batch: more than one poll's read (1,000) asks for.
      const base = BigInt(Date.now() + 1000) * 1_000_000n;
      const time = (i: number) => nanosToRfc3339(base + BigInt(i) * 1000n);
      const bodies = Array.from({ length: 2500 }, (_, i) => `burst line ${i}`);
      await postBatch(
        url,
        bodies.map((b, i) => containerLine("burst", b, 1000 + i, time(i))),
      );
      const printed = await waitFor("the whole burst", () => {
        const got = burst.stdout.split("\n").filter((l) => / burst line \d+$/.test(l));
        return got.length >= 2500 ? got : undefined;
      });
      expect(printed.map((l) => l.replace(/^.* (burst line \d+)$/, "$1"))).toEqual(bodies);
      expect(burst.stderr).toBe("");
      expect((await small.poll()).map((l) => l.body)).toEqual(bodies.slice(1500));
      expect(small.takeGap()).toMatch(
        /^more than 1000 rows came between two reads; those before \S+ were passed over$/,
      );
      expect(small.takeGap()).toBeUndefined(); // said once
    } finally {
      await burst.stop();
    }
  });

  it("-f rides out an aggregator restart: says so, then goes on where it was; every line once", async () => {
    follow = fleetscope(["logs", "--url", url, "-f", "--interval", "200ms", "container:api"]);
    await waitFor("the stored lines", () => follow?.stdout.includes(BODIES[4] as string));
    await postBatch(url, [containerLine("api", "before the restart", 20, new Date().toISOString())]);
    await waitFor("the line before the restart", () => follow?.stdout.includes("before the restart"));

    await agg?.stop("SIGKILL");
    // Killed mid-poll, the first failure may be a reset socket rather than a refused connection.
    await waitFor("the outage said on stderr", () =>
      /fleetscope: aggregator unreachable — retrying every 0\.2s \((ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)\)/.test(
        follow?.stderr ?? "",
      ),
    );
    expect(follow.child.exitCode).toBeNull();
    agg = await startAggregator(dir.path, port);
    await postBatch(url, [containerLine("api", "after the restart", 21, new Date().toISOString())]);
    await waitFor("the line after the restart", () => follow?.stdout.includes("after the restart"));
    expect(follow.stderr).toContain("fleetscope: the aggregator answers again; following on");

    const printed = follow.stdout.trim().split("\n");
    for (const body of [...BODIES, "before the restart", "after the restart"])
      expect(
        printed.filter((l) => l.endsWith(` ${body}`)),
        body,
      ).toHaveLength(1);
    expect(printed.at(-1)).toMatch(/ after the restart$/);
    expect(follow.child.exitCode).toBeNull();
  });
});
