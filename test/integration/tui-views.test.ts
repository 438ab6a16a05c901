// Every view of `fleetscope top` and its keys, rendered with ink-testing-library against a real
// aggregator (embedded chDB) loaded through its ingest API with a small known fleet.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { type FleetscopeProcess, freePort, startAggregator, tempDir } from "../helpers/stack.ts";
import { containerId, syntheticFleet } from "../helpers/synthetic-fleet.ts";
import { KEYS, linesWith, renderTop } from "../helpers/tui.ts";

const LONG = `a long line ${"x".repeat(150)} tail-of-the-long-line`;

describe("fleetscope top views", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let agg: FleetscopeProcess;
  let url: string;
  const apps: { unmount: () => void }[] = [];
  const open = (...args: Parameters<typeof renderTop>[1][]) => {
    const app = renderTop(url, args[0]);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    dir = await tempDir("tui-views");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    agg = await startAggregator(dir.path, port);
    await postBatch(
      url,
      syntheticFleet([
        {
          host: "web-1",
          name: "api",
          cpu: 0.4,
          cpuLimit: 1,
          memoryMiB: 128,
          limitMiB: 256,
          lines: ["starting api", "GET /healthz 200", "ERROR connection refused to db:5432", LONG],
        },
        { host: "web-1", name: "nginx", cpu: 0.05, memoryMiB: 12, restarts: 2 },
        {
          host: "web-1",
          name: "cache",
          fate: "oom",
          limitMiB: 16,
          lines: ["loading cache", "cache: 120000 entries", "warn: cache above 80%"],
        },
        { host: "db-1", name: "postgres", cpu: 0.9, memoryMiB: 900, limitMiB: 1024 },
        { host: "db-1", name: "backup", fate: "crash", lines: ["backup started", "ERROR disk full"] },
      ]),
    );
  });
  afterAll(async () => {
    for (const a of apps) a.unmount();
    await agg?.stop();
    await dir?.remove();
  });

  it("containers: every container with CPU, memory against its limit, sparklines, restarts; the dead dim", async () => {
    const top = open();
    const s = await top.until("backup");
    expect(s).toMatch(/^ containers$/m);
    expect(s).toMatch(/HOST +NAME +STATE +CPU▼ +%CPU CPU~ +MEM +%MEM MEM~ +PIDS RST/);
    const api = linesWith(s, " api ")[0] ?? "";
    // Up in whole minutes past the first one, as docker ps says it (started about 20 minutes ago).
    expect(api).toMatch(/web-1 +api +up (19|20|21)m +0\.40 +40\.0% [▁-█ ]{10} +128M +50\.0% [▁-█ ]{10}/);
    expect(linesWith(s, "nginx")[0]).toMatch(/ 2 +2$/); // PIDs, restarts
    expect(linesWith(s, "cache")[0]).toContain("OOM 137");
    expect(linesWith(s, "backup")[0]).toContain("exit 2");
    // Running first, busiest on top; dead ones after.
    const order = ["postgres", "api", "nginx"].map((n) => s.indexOf(` ${n} `));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(s.indexOf("postgres")).toBeLessThan(s.indexOf("cache"));
    expect(s).toMatch(/Enter open.*Esc back.*\/ filter.*F2 views.*F9 sort.*p pause.*\? help.*q quit/);
  });

  it("containers: Shift+letter sorts by that column (again: the other way), < > and F9 move the sort", async () => {
    const top = open();
    await top.until("backup");
    const names = (s: string) =>
      ["api", "backup", "cache", "nginx", "postgres"].sort(
        (a, b) => s.indexOf(` ${a} `) - s.indexOf(` ${b} `),
      );
    top.press("N");
    expect(names(await top.until("NAME▲"))).toEqual(["api", "backup", "cache", "nginx", "postgres"]);
    top.press("N");
    expect(names(await top.until("NAME▼"))).toEqual(["postgres", "nginx", "cache", "backup", "api"]);
    top.press(">");
    await top.until("STATE▲");
    top.press("<");
    await top.until("NAME▲");
    top.press(KEYS.f9);
    await top.until("STATE▲");
    top.press("M");
    const s = await top.until("MEM▼");
    expect(s.indexOf("postgres")).toBeLessThan(s.indexOf(" api "));
  });

  it("containers: / filters by text or field:value, Esc clears the filter", async () => {
    const top = open();
    await top.until("backup");
    top.press("/", ..."host:db-1", KEYS.enter);
    let s = await top.until((x) => !x.includes(" api ") && x.includes("postgres"));
    expect(s).toContain("/host:db-1");
    expect(s).toContain("backup");
    top.press("/");
    top.press(...Array(9).fill(KEYS.backspace), ..."cach", KEYS.enter);
    s = await top.until((x) => !x.includes("postgres") && x.includes("cache"));
    top.press(KEYS.esc);
    s = await top.until((x) => x.includes("postgres") && x.includes(" api "));
    expect(s).not.toContain("/cach");
  });

  it("processes: Enter (or P) drills into a container, Backspace comes back with the selection kept", async () => {
    const top = open();
    await top.until("backup");
    top.press("N"); // by name: api, backup, cache, nginx, postgres
    await top.until("NAME▲");
    top.press(KEYS.down, KEYS.down, KEYS.down); // nginx
    top.press(KEYS.enter);
    let s = await top.until("nginx-worker");
    expect(s).toMatch(/containers › processes nginx/);
    expect(s).toMatch(/PID +CPID +USER +CPU%▼ +RSS +THR S COMMAND/);
    expect(s).toMatch(/\d+ +7 root +5\.0 +8\.0M +1 S nginx-worker --threads 4/);
    top.press(KEYS.backspace);
    s = await top.until(/^›.*nginx +up/m); // back, still on nginx
    expect(s).toMatch(/^ containers$/m);
    top.press("P");
    s = await top.until("nginx-worker");
    top.press(KEYS.esc);
    await top.until(/^ containers$/m);
  });

  it("logs: live tail with severity, the / filter in `fleetscope logs` syntax, t timestamps, w wrap", async () => {
    const top = open({ view: "containers", ctx: {} });
    await top.until("backup");
    top.press("N", "l"); // api is first by name
    let s = await top.until("connection refused");
    expect(s).toMatch(/containers › logs api/);
    expect(s).toMatch(/\d\d:\d\d:\d\d\.\d{3} stdout starting api/);
    expect(s).toMatch(/stderr ERROR connection refused to db:5432/);
    expect(s).toContain("following · 4 lines");
    expect(s).not.toContain("tail-of-the-long-line"); // cut at the width
    top.press("w");
    s = await top.until("tail-of-the-long-line");
    expect(s).toContain("wrap on");
    top.press("t");
    s = await top.until("timestamps off");
    expect(s).toMatch(/^stdout starting api/m);
    top.press("/", ..."stream:stderr refused", KEYS.enter);
    s = await top.until((x) => x.includes("following · 1 line "));
    expect(s).toContain("ERROR connection refused");
    expect(s).not.toContain("starting api");
    top.press("/", ...Array(30).fill(KEYS.backspace), ..."level:loud", KEYS.enter);
    await top.until("level:loud: expected a level such as error");
  });

  it("logs: p pauses and arrows scroll back; new lines arrive live after resuming", async () => {
    const top = open({ view: "logs", ctx: { host: "db-1" } });
    let s = await top.until("ERROR disk full");
    expect(s).toMatch(/ logs @db-1/);
    expect(s).toContain("db-1/backup");
    top.press("p");
    s = await top.until("PAUSED");
    expect(s).toContain("‖ PAUSED");
    top.press(KEYS.up);
    s = await top.until("3/4");
    expect(s).not.toContain("listening on :8080");
    const now = Date.now();
    await postBatch(url, [
      logRecord({
        time: new Date(now).toISOString(),
        host: "db-1",
        source: "docker-json",
        containerId: containerId("db-1", "postgres"),
        containerName: "postgres",
        image: "app:1",
        stream: "stdout",
        severityNumber: 9,
        severityText: "INFO",
        body: "checkpoint complete",
        seq: 1,
      }),
    ]);
    await new Promise((r) => setTimeout(r, 1000)); // three refresh intervals: nothing may arrive while paused
    expect(top.screen()).not.toContain("checkpoint complete");
    top.press("p");
    s = await top.until("checkpoint complete");
    expect(s).toContain("following · 5 lines");
    expect(s).toContain("listening on :8080");
  });

  it("why: w explains the OOM kill with exit 137, the memory chart against its limit, the last lines", async () => {
    const top = open();
    await top.until("backup");
    top.press("/", ..."cache", KEYS.enter);
    await top.until((x) => !x.includes("postgres"));
    top.press("w");
    const s = await top.until("OOM kill");
    expect(s).toMatch(/containers › why cache/);
    expect(s).toMatch(/cache \(app:1\) on web-1 died at/);
    expect(s).toMatch(/exit code: 137 \(SIGKILL\) +OOMKilled: yes/);
    expect(s).toMatch(/memory \(working set\) against its limit 16\.0M +peak 16\.0M = 100 % of the limit/);
    expect(s).toMatch(/16\.0M ┤[ ▁-█]+█/);
    expect(s).toMatch(/cpu \(cores\)/);
    expect(s).toMatch(/restart history/);
    expect(s).toMatch(/stdout +cache: 120000 entries/);
    top.press(KEYS.pageDown);
    await top.until((x) => !x.includes("OOM kill"));
    top.press("l");
    await top.until("logs cache");
  });

  it("inspect (i) and events (e) of a container", async () => {
    const top = open();
    await top.until("backup");
    top.press("/", ..."cache", KEYS.enter);
    await top.until((x) => !x.includes("postgres"));
    top.press("i");
    let s = await top.until("memory limit");
    expect(s).toMatch(/memory limit +16\.0M/);
    expect(s).toMatch(/OOMKilled +yes/);
    expect(s).toMatch(/com\.example\.team +core/);
    top.press(KEYS.backspace);
    await top.until(/^ containers/m);
    top.press("e");
    s = await top.until(/die +137/);
    expect(s).toContain("containers › events cache");
    expect(s).toMatch(/TIME▼ +HOST +ACTION +EXIT +CONTAINER/);
    expect(s).toMatch(/die +137 cache/);
    expect(s).toMatch(/oom +cache/);
    expect(s.indexOf(" die ")).toBeLessThan(s.indexOf(" create ")); // newest first
    top.press(KEYS.enter); // on the die event: why
    await top.until("OOM kill");
  });

  it("hosts (F2 picker): containers running/total, CPU, memory, load; Enter opens its containers, t its top processes", async () => {
    const top = open();
    await top.until("backup");
    top.press(KEYS.f2);
    await top.until("open a view");
    top.press("2");
    let s = await top.until("db-1");
    expect(s).toMatch(/HOST▲ +CTRS CORES +CPU% +LOAD +MEM +MEM% +INC +SEEN +UPTIME$/m);
    expect(linesWith(s, "web-1")[0]).toMatch(/web-1 +2\/3 +4 +20 +0\.42 +3\.0G\/8\.0G +38 +\d +\d+s +3d01h$/);
    top.press(KEYS.down, KEYS.enter);
    s = await top.until("hosts › containers @web-1");
    await top.until("nginx");
    expect(top.screen()).not.toContain("postgres");
    top.press(KEYS.backspace);
    await top.until(/^ hosts$/m); // picked, so in the place of containers
    top.press("t");
    s = await top.until("nginx-worker");
    expect(s).toMatch(/top processes @web-1/);
    expect(s).toMatch(
      /HOST +CONTAINER +PID +USER +CPU%▼ +RSS +THR? ?COMMAND|HOST +CONTAINER +PID +USER +CPU%▼/,
    );
    expect(s).toMatch(/web-1 +api +\d+ root +40\.0/);
    top.press(KEYS.enter);
    await top.until("processes api");
  });

  it("incidents (: picker): the OOM kill detected; Enter explains it", async () => {
    const top = open();
    await top.until("backup");
    top.press(":", KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.enter);
    const s = await top.until(/oom .*cache/, 30_000);
    expect(s).toMatch(/^ incidents$/m);
    expect(s).toMatch(/TIME▼ +KIND +STATUS +HOST +WHAT/);
    top.press("/", ..."kind:oom", KEYS.enter);
    await top.until((x) => !/\bexit\b/.test(x.split("\n").slice(3).join("\n")));
    top.press(KEYS.enter);
    await top.until("OOMKilled: yes");
  });

  it("? and F1 show the keys of the view; any key closes; q and F10 quit", async () => {
    const top = open();
    await top.until("backup");
    top.press("?");
    const s = await top.until("keys of this view");
    expect(s).toMatch(/containers: running and recently dead/);
    expect(s).toMatch(/l +its logs/);
    expect(s).toMatch(/F2 \/ : +switch to a view/);
    top.press("x");
    await top.until("backup");
    top.press(KEYS.f1);
    await top.until("every view");
    top.press(KEYS.esc);
    await top.until("backup");
    top.press("q");
    expect(top.quits).toBe(1);
    const other = open();
    await other.until("backup");
    other.press(KEYS.f10);
    await new Promise((r) => setTimeout(r, 50));
    expect(other.quits).toBe(1);
  });
});
