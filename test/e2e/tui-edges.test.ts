// `fleetscope top` at the edges a newcomer meets: what the header says, a filter and its Enter
// arriving in one chunk (a paste, tmux send-keys), the filter applying as it is typed, the
// Events filter reaching events older than the newest 500, the view picker not stacking, the
// footer and the columns at 80 and 200 columns, and containers that are gone showing no rate.
// Rendered with ink-testing-library against a real aggregator loaded through its ingest API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerRecord, EventRecord } from "../../protocol/records.ts";
import { postBatch } from "../helpers/ingest.ts";
import { type FleetscopeProcess, freePort, startAggregator, tempDir } from "../helpers/stack.ts";
import { containerId, syntheticFleet } from "../helpers/synthetic-fleet.ts";
import { KEYS, linesWith, renderTop } from "../helpers/tui.ts";

const event = (time: number, name: string, action: string, exitCode: number | null = null): EventRecord => ({
  kind: "event",
  time: new Date(time).toISOString(),
  host: "web-1",
  containerId: containerId("web-1", name),
  containerName: name,
  image: "app:1",
  type: "container",
  action,
  exitCode,
  attributes: {},
});

/** The width of a table column, read from the header: its title plus the spaces up to the next one. */
const headerGap = (screen: string, title: string, next: string) =>
  new RegExp(`${title.replace(/[~%]/g, "\\$&")}( +)${next}`).exec(screen)?.[1]?.length ?? -1;

describe("fleetscope top at the edges", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let agg: FleetscopeProcess;
  let url: string;
  const apps: { unmount: () => void }[] = [];
  const open = (options: Parameters<typeof renderTop>[1] = {}) => {
    const app = renderTop(url, options);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    dir = await tempDir("tui-edges");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    agg = await startAggregator(dir.path, port);
    const now = Date.now();
    const fleet = syntheticFleet(
      [
        { host: "web-1", name: "api", cpu: 0.4, cpuLimit: 1, memoryMiB: 128, limitMiB: 256 },
        { host: "web-1", name: "nginx", cpu: 0.05, memoryMiB: 12 },
        { host: "web-1", name: "crashed", cpu: 0.3, fate: "crash" },
        { host: "web-1", name: "gone", cpu: 0.8, memoryMiB: 300 },
        { host: "db-1", name: "postgres", cpu: 0.2, memoryMiB: 900 },
        { host: "web-1", name: "flappy" },
      ],
      now,
    );
    // `gone` was running (busiest of all) and then removed: its last snapshot says so.
    const running = fleet.find(
      (r): r is ContainerRecord => r.kind === "container" && r.containerName === "gone",
    ) as ContainerRecord;
    const removed: ContainerRecord = {
      ...running,
      time: new Date(now - 500).toISOString(),
      state: "removed",
    };
    // An old container's events, then more than 500 newer events of a noisy neighbour.
    const old = [
      event(now - 3 * 3600_000, "old-timer", "start"),
      event(now - 3 * 3600_000 + 5000, "old-timer", "die", 1),
    ];
    const noise = Array.from({ length: 600 }, (_, i) =>
      event(now - 700_000 + i * 1000, "chatty", "exec_start: true"),
    );
    // Killed for memory, started again at once, and dead again three seconds later.
    const loop = [
      event(now - 120_000, "flappy", "oom"),
      event(now - 119_995, "flappy", "die", 137),
      event(now - 119_500, "flappy", "start"),
      event(now - 117_000, "flappy", "die", 1),
    ];
    await postBatch(url, [...fleet, removed, ...old, ...noise, ...loop]);
  });
  afterAll(async () => {
    for (const a of apps) a.unmount();
    await agg?.stop();
    await dir?.remove();
  });

  it("a filter and its Enter in one chunk (a paste) apply the filter and close the prompt", async () => {
    const top = open();
    await top.until("postgres");
    top.press("/nginx\r"); // one write, as a paste or a quick tmux send-keys delivers it
    const s = await top.until((x) => x.includes("nginx") && !x.includes(" api "));
    expect(s.split("\n")[1]).toMatch(/ containers +\/nginx$/);
    expect(s).not.toContain("nginx█"); // the prompt is closed
    top.press("\r"); // so the next Enter drills down
    await top.until("containers › processes nginx");
  });

  it("the filter applies as it is typed; Enter keeps it, Esc cancels back to the one before", async () => {
    const top = open();
    await top.until("postgres");
    top.press("/", "p", "o", "s");
    let s = await top.until((x) => !x.includes(" api ") && x.includes("postgres"));
    expect(s).toContain("/pos█"); // still typing
    top.press(KEYS.esc);
    s = await top.until((x) => x.includes(" api ") && x.includes("postgres"));
    expect(s).not.toContain("/pos");
    top.press("/", ..."host:db-1", KEYS.enter);
    await top.until((x) => !x.includes(" api ") && x.includes("/host:db-1") && !x.includes("db-1█"));
    top.press("/", ...Array(9).fill(KEYS.backspace), ..."ngi");
    s = await top.until((x) => x.includes("nginx") && !x.includes("postgres"));
    top.press(KEYS.esc); // back to host:db-1, not to no filter
    s = await top.until((x) => x.includes("postgres") && !x.includes("nginx"));
    expect(s.split("\n")[1]).toMatch(/\/host:db-1$/);
  });

  it("events: / finds a container whose events are older than the newest 500 (the server filters)", async () => {
    const top = open({ view: "events" });
    await top.until("chatty");
    expect(top.screen()).not.toContain("old-timer");
    top.press("/old-timer\r");
    const s = await top.until(/die +1 old-timer/);
    expect(s).not.toContain("chatty");
    expect(s).toMatch(/start +old-timer/);
    top.press("/", ...Array(9).fill(KEYS.backspace), ..."action:die", KEYS.enter);
    const dies = await top.until((x) => x.includes("old-timer") && x.includes("crashed"));
    expect(dies).not.toContain("chatty");
    expect(dies).not.toMatch(/ start /);
  });

  it("incidents: Enter on an OOM kill explains that death, not the one seconds after it", async () => {
    const top = open({ view: "incidents" });
    await top.until(/oom .*flappy/, 30_000);
    top.press("/", ..."kind:oom flappy", KEYS.enter);
    const s = await top.until((x) => !x.includes("crashed") && x.includes("flappy"));
    const rows = s.split("\n").slice(3); // below the header and the column titles
    expect(rows.filter((l) => l.includes("flappy"))).toEqual([expect.stringMatching(/ oom .* flappy /)]);
    top.press(KEYS.enter);
    const why = await top.until("exit code:");
    expect(why).toMatch(/incidents › why flappy/);
    expect(why).toMatch(/exit code: 137 /);
  });

  it("picking views from F2 / : replaces the view instead of stacking a breadcrumb", async () => {
    const top = open();
    await top.until("postgres");
    top.press(KEYS.f2, "2"); // hosts
    await top.until(/^ hosts$/m);
    top.press(":", "5"); // events
    await top.until(/^ events$/m);
    top.press(KEYS.f2, "1"); // containers again
    await top.until(/^ containers$/m);
    // Drilling down still stacks, and a pick there replaces only the view on top.
    top.press("N", KEYS.down); // by name: api, crashed, flappy, gone, nginx, postgres → crashed
    top.press(KEYS.enter);
    await top.until(/^ containers › processes crashed$/m);
    top.press(KEYS.f2, "4"); // logs (of that container)
    await top.until(/^ containers › logs crashed$/m);
    top.press(KEYS.backspace);
    await top.until(/^ containers$/m);
  });

  it("80 columns: the footer keeps `? help` and `q quit`, nothing wraps", async () => {
    const top = open({ columns: 80, rows: 24 });
    const s = await top.until("postgres");
    const lines = s.split("\n");
    expect(lines).toHaveLength(24);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(lines[23]).toMatch(/\? help +q quit *$/);
    expect(lines[23]).toMatch(/^l logs +w why +P procs +Enter open/);
    top.press("e"); // another view, other keys of its own
    const e = await top.until("containers › events");
    expect(e.split("\n")[23]).toMatch(/\? help +q quit *$/);
  });

  it("200 columns: the extra width goes to the CPU and memory charts, not to NAME", async () => {
    const narrow = open({ columns: 100, rows: 30 });
    const n = await narrow.until("postgres");
    expect(headerGap(n, "CPU~", "MEM")).toBe(10);
    const top = open({ columns: 200, rows: 50 });
    const s = await top.until("postgres");
    const chart = headerGap(s, "CPU~", "MEM");
    expect(chart).toBeGreaterThanOrEqual(20);
    expect(headerGap(s, "MEM~", "RX/s")).toBe(chart); // MEM~ as wide (RX/s is right-aligned in 7)
    expect(headerGap(s, "NAME", "STATE") + 3).toBeLessThanOrEqual(32);
    // The sparkline fills its wider cell from the right, oldest sample first.
    const api = linesWith(s, " api ")[0] ?? "";
    expect(api).toMatch(new RegExp(`40\\.0% [ ▁-█]{${chart}} +128M`));
    expect(api).toMatch(/[▁-█]{5} +128M/);
  });

  it("containers that died or were removed show no rate (-), dimmed, after the running ones", async () => {
    const top = open();
    const s = await top.until("gone");
    const gone = linesWith(s, " gone ")[0] ?? "";
    const crashed = linesWith(s, " crashed ")[0] ?? "";
    // CPU, %CPU, the CPU history (kept: it is the past), MEM, %MEM, the memory history, PIDS, RST.
    const noRates = (name: string, state: string) =>
      new RegExp(`${name} +${state} +- +- [ ▁-█]{10} +- +- [ ▁-█]{10} +- +0$`);
    expect(gone).toMatch(noRates("gone", "removed"));
    expect(crashed).toMatch(noRates("crashed", "exit 2"));
    // The CPU sort puts them after every running container.
    for (const running of ["api", "postgres", "nginx"])
      expect(s.indexOf(` ${running} `)).toBeLessThan(s.indexOf(" gone "));
  });
});
