// The commands docker, ctop and journalctl users reach for, over the aggregator's API: ps, stats,
// events, incidents and inspect, each run as `fleetscope …` against a real aggregator loaded
// through its ingest API with a small fleet whose numbers are known.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerRecord, EventRecord, SampleRecord } from "../../protocol/records.ts";
import { lines, runCli } from "../helpers/cli.ts";
import { postBatch } from "../helpers/ingest.ts";
import { containerRecord } from "../helpers/records.ts";
import { type FleetscopeProcess, fleetscope, freePort, startAggregator, tempDir } from "../helpers/stack.ts";
import { containerId, syntheticFleet } from "../helpers/synthetic-fleet.ts";
import { waitFor } from "../helpers/wait.ts";

const MiB = 1024 * 1024;
const iso = (ms: number) => new Date(ms).toISOString();

/** The inventory snapshot of a container, as a collector sends it. */
function inventory(host: string, name: string, fields: Partial<ContainerRecord>): ContainerRecord {
  return containerRecord({
    time: iso(Date.now() - 5000),
    host,
    containerId: containerId(host, name),
    containerName: name,
    image: "app:1",
    created: iso(Date.now() - 600_000),
    ...fields,
  });
}

function event(host: string, name: string, time: string, action: string): EventRecord {
  const ref = { containerId: containerId(host, name), containerName: name, image: "app:1" };
  return { kind: "event", time, host, ...ref, type: "container", action, exitCode: null, attributes: {} };
}

/** Two kills of `api` within one millisecond, 10 minutes ago: only nanoseconds tell them apart. */
const SECOND = iso(Math.floor(Date.now() / 1000) * 1000 - 600_000).slice(0, 19);
const KILL_1 = `${SECOND}.123456789Z`;
const KILL_2 = `${SECOND}.123456999Z`;

/** RFC 3339 UTC times comparable as strings: fractions padded to nine digits. */
const sortable = (t: string) => t.replace(/(?:\.(\d*))?Z$/, (_, f = "") => `.${f.padEnd(9, "0")}Z`);

describe("fleetscope ps, stats, events, incidents, inspect", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let agg: FleetscopeProcess;
  let url: string;
  const follows: FleetscopeProcess[] = [];
  const cli = (...args: string[]) => runCli([...args, "--url", url]);
  const follow = (...args: string[]) => {
    const p = fleetscope([...args, "--url", url, "--interval", "200ms"]);
    follows.push(p);
    return p;
  };

  beforeAll(async () => {
    dir = await tempDir("cli-commands");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    agg = await startAggregator(dir.path, port);
    await postBatch(url, [
      ...syntheticFleet([
        { host: "web-1", name: "api", cpu: 0.4, cpuLimit: 1, memoryMiB: 128, limitMiB: 256 },
        { host: "web-1", name: "nginx", cpu: 0.05, memoryMiB: 12, restarts: 2 },
        { host: "web-1", name: "cache", fate: "oom", limitMiB: 16 },
        { host: "db-1", name: "postgres", cpu: 0.9, memoryMiB: 900, limitMiB: 1024 },
        { host: "db-1", name: "backup", fate: "crash" },
      ]),
      inventory("web-1", "old-job", { state: "removed", exitCode: 0, time: iso(Date.now() - 120_000) }),
      inventory("web-1", "ancient", { state: "exited", exitCode: 0, time: iso(Date.now() - 7200_000) }),
      inventory("web-1", "shop", {
        command: "shop-server --port 80",
        env: ["MODE=prod", "API_TOKEN=•••"],
        ports: ["0.0.0.0:8080->80/tcp"],
        mounts: ["/srv/shop:/data (ro)", "volume shop-cache:/cache"],
        health: "unhealthy",
        restartPolicy: "on-failure",
        memoryLimitBytes: 64 * MiB,
        cpuLimitCores: 0.5,
      }),
      event("web-1", "api", KILL_1, "kill"),
      event("web-1", "api", KILL_2, "kill"),
    ]);
  });
  afterAll(async () => {
    for (const p of follows) await p.stop();
    await agg?.stop();
    await dir?.remove();
  });

  it("ps: the running containers with state, uptime, CPU % of a core, memory of the limit, restarts", async () => {
    const r = await cli("ps");
    expect(r.code).toBe(0);
    const [header, ...rows] = lines(r);
    expect(header).toMatch(
      /^HOST +CONTAINER ID +NAME +IMAGE +STATE +UPTIME +CPU % +MEM \/ LIMIT +RESTARTS 1h$/,
    );
    const names = rows.map((l) => l.split(/ +/)[2]);
    expect(names.sort()).toEqual(["api", "nginx", "postgres", "shop"]);
    const api = containerId("web-1", "api").slice(0, 12);
    expect(rows).toContainEqual(
      expect.stringMatching(
        new RegExp(`^web-1 +${api} +api +app:1 +running +(19m5\\d|20m\\d\\d)s +40\\.0% +128M / 256M +0$`),
      ),
    );
    expect(rows).toContainEqual(expect.stringMatching(/ nginx .* 12\.0M \/ - +2$/));
  });

  it("ps -a adds the dead and the removed; --host keeps one host; -o json is the API's rows", async () => {
    const all = lines(await cli("ps", "-a"));
    expect(all).toContainEqual(expect.stringMatching(/ cache +app:1 +exited \(OOM killed, exit 137\) +- /));
    expect(all).toContainEqual(expect.stringMatching(/ backup +app:1 +exited \(exit 2\) +- /));
    expect(all).toContainEqual(expect.stringMatching(/ old-job +app:1 +removed \(exit 0\) +- /));
    const db = lines(await cli("ps", "-a", "--host", "db-1")).slice(1);
    expect(db.map((l) => l.split(/ +/)[2]).sort()).toEqual(["backup", "postgres"]);
    const json = lines(await cli("ps", "-o", "json")).map((l) => JSON.parse(l));
    expect(json.find((c) => c.name === "postgres")).toMatchObject({
      host: "db-1",
      memoryLimitBytes: 1024 * MiB,
    });
  });

  it("stats --no-stream: one docker-stats table; named containers only; an unknown name is the API's 404", async () => {
    const r = await cli("stats", "--no-stream");
    const [header, ...rows] = lines(r);
    expect(header).toMatch(
      /^CONTAINER ID +NAME +HOST +CPU % +MEM USAGE \/ LIMIT +MEM % +NET RX \/ TX +BLOCK R \/ W +PIDS$/,
    );
    expect(rows).toContainEqual(
      expect.stringMatching(/ api +web-1 +40\.0% +128M \/ 256M +50\.0% +.*\/s +2$/),
    );
    expect(rows).toHaveLength(4);
    const one = lines(
      await cli("stats", "--no-stream", "postgres", containerId("web-1", "api").slice(0, 12)),
    );
    expect(
      one
        .slice(1)
        .map((l) => l.split(/ +/)[1])
        .sort(),
    ).toEqual(["api", "postgres"]);
    // Known, but no collector reported it lately: said, not an empty table alone.
    const ancient = await cli("stats", "--no-stream", "ancient");
    expect(ancient).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(
        /^fleetscope: ancient: no collector reported it in the last hour \(see fleetscope inspect ancient\)\n$/,
      ),
    });
    expect(lines(ancient)).toHaveLength(1);
    const unknown = await cli("stats", "--no-stream", "postgress");
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe("");
    // The aggregator's 404 (unknown containers answer with the names like it).
    expect(unknown.stderr).toMatch(
      /^fleetscope: unknown container "postgress"; known containers like it: postgres/,
    );
  });

  it("stats redraws: a new sample shows in the next table", async () => {
    const stats = follow("stats", "api");
    await waitFor("the first table", () => stats.stdout.includes("128M / 256M"));
    const later = syntheticFleet([
      { host: "web-1", name: "api", cpu: 0.4, cpuLimit: 1, memoryMiB: 200, limitMiB: 256 },
    ]);
    await postBatch(url, later.filter((r): r is SampleRecord => r.kind === "sample").slice(-1));
    await waitFor("the next table with the new sample", () => stats.stdout.includes("200M / 256M"));
    expect(stats.stdout.match(/^CONTAINER ID/gm)?.length).toBeGreaterThanOrEqual(2);
  });

  it("events: oldest first, by container, host and action, up to an exact --until", async () => {
    const all = lines(await cli("events", "--since", "1h", "-o", "json")).map((l) => JSON.parse(l));
    expect(all.length).toBeGreaterThan(10);
    const times = all.map((e) => sortable(e.time));
    expect(times).toEqual([...times].sort());
    const dies = lines(await cli("events", "--container", "nginx", "--action", "die"));
    expect(dies).toHaveLength(2);
    expect(dies[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z web-1 container die nginx \(image=app:1, exitCode=1\)$/,
    );
    const db = lines(await cli("events", "--host", "db-1", "--action", "die"));
    expect(db).toEqual([expect.stringMatching(/ db-1 container die backup \(image=app:1, exitCode=2\)$/)]);
    // Two kills in one millisecond: the times go to the API exactly as given.
    const kills = (...args: string[]) => cli("events", "--container", "api", "--action", "kill", ...args);
    expect(lines(await kills())).toEqual([
      `${KILL_1} web-1 container kill api (image=app:1)`,
      `${KILL_2} web-1 container kill api (image=app:1)`,
    ]);
    expect(lines(await kills("--until", KILL_1))).toEqual([
      `${KILL_1} web-1 container kill api (image=app:1)`,
    ]);
    expect(lines(await kills("--since", KILL_2))).toEqual([
      `${KILL_2} web-1 container kill api (image=app:1)`,
    ]);
  });

  it("events: a mistake is an error that says what is known", async () => {
    const action = await cli("events", "--action", "explode");
    expect(action.code).toBe(1);
    expect(action.stderr).toMatch(/^fleetscope: .*explode.*die/);
    const container = await cli("events", "--container", "ngnix");
    expect(container.code).toBe(1);
    expect(container.stderr).toMatch(
      /^fleetscope: unknown container "ngnix"; known containers like it: nginx/,
    );
    const both = await cli("events", "-f", "--until", "now");
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--until and --follow do not go together/);
  });

  it("events -f prints each new event once, as it is stored", async () => {
    const f = follow("events", "-f", "--container", "postgres");
    await waitFor("the stored events", () => f.stdout.includes("container start postgres"));
    const before = f.stdout;
    await postBatch(url, [event("db-1", "postgres", iso(Date.now()), "restart")]);
    await waitFor("the new event", () => f.stdout.includes("container restart postgres"));
    expect(f.stdout.startsWith(before)).toBe(true);
    const printed = f.stdout.trim().split("\n");
    expect(new Set(printed).size).toBe(printed.length); // nothing twice
    expect(printed.at(-1)).toMatch(/ restart postgres/);
  });

  it("incidents: the detected ones, oldest first, by kind; -f prints a new one once", async () => {
    const oom = await waitFor("the oom incident", async () => {
      const r = lines(await cli("incidents", "--kind", "oom"));
      return r.length > 0 ? r : undefined;
    });
    expect(oom).toEqual([expect.stringMatching(/^\S+Z web-1 oom (open|resolved) cache: /)]);
    const f = follow("incidents", "-f", "--kind", "exit");
    await waitFor("the backup's exit", () => f.stdout.includes(" exit "));
    expect(f.stdout).toMatch(/ db-1 exit (open|resolved) backup: /);
    await postBatch(url, syntheticFleet([{ host: "web-2", name: "cron", fate: "crash" }]));
    await waitFor("the new exit incident", () => f.stdout.includes("cron"), { timeoutMs: 60_000 });
    expect(f.stdout.match(/ backup: /g)).toHaveLength(1);
    expect(f.stdout.match(/ cron: /g)).toHaveLength(1);
    const kind = await cli("incidents", "--kind", "boom");
    expect(kind.code).toBe(1);
    expect(kind.stderr).toMatch(/^fleetscope: .*kind.*oom, exit, crash-loop/);
  });

  it("inspect: command, env (masked at the node), ports, mounts, restart policy, health, limits", async () => {
    const r = await cli("inspect", "shop");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("shop on web-1\n");
    for (const line of [
      /^ {2}command +shop-server --port 80$/m,
      /^ {2}state +running$/m,
      /^ {2}health +unhealthy$/m,
      /^ {2}exit code +-$/m,
      /^ {2}OOMKilled +no$/m,
      /^ {2}restart policy +on-failure/m,
      /^ {2}memory limit +64\.0M$/m,
      /^ {2}cpu limit +0\.5 cores$/m,
      /^ {2}ports +0\.0\.0\.0:8080->80\/tcp$/m,
      /^ {2}mounts +\/srv\/shop:\/data \(ro\)\n {18}volume shop-cache:\/cache$/m,
      /^ {2}env +MODE=prod\n {18}API_TOKEN=•••$/m,
    ])
      expect(r.stdout).toMatch(line);
    const json = JSON.parse((await cli("inspect", "shop", "-o", "json")).stdout);
    expect(json).toEqual([expect.objectContaining({ name: "shop", env: ["MODE=prod", "API_TOKEN=•••"] })]);
    const dead = await cli("inspect", "cache");
    expect(dead.stdout).toMatch(/^ {2}exit code +137$/m);
    expect(dead.stdout).toMatch(/^ {2}OOMKilled +yes$/m);
    const unknown = await cli("inspect", "shopp");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^fleetscope: unknown container "shopp"; known containers like it: shop/);
  });

  it("every command has --help naming its flags and their environment variables", async () => {
    for (const [command, flags] of Object.entries({
      ps: ["--all", "--host", "--since", "--output", "--url", "--token-file", "--data"],
      stats: ["--no-stream", "--all", "--host", "--interval", "--output", "--url"],
      events: ["--since", "--until", "--follow", "--host", "--container", "--action", "--limit", "--output"],
      incidents: ["--since", "--until", "--follow", "--kind", "--host", "--container", "--output"],
      inspect: ["--host", "--output", "--url", "--token-file", "--data"],
    })) {
      const help = (await runCli([command, "--help"])).stdout.replace(/\s+/g, " ");
      for (const flag of flags) expect(help, `${command} ${flag}`).toContain(flag);
      expect(help).toContain("env: FLEETSCOPE_URL");
      expect(help).toContain("env: FLEETSCOPE_TOKEN_FILE");
    }
  });
});
