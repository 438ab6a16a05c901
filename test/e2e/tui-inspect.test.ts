// `fleetscope top`'s inspect view (i), rendered with ink-testing-library against a real aggregator
// (embedded chDB) loaded through its ingest API: what `docker inspect` shows an operator, shown
// safely, and an older collector's record (no details) read plainly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerRecord } from "../../protocol/records.ts";
import { postBatch } from "../helpers/ingest.ts";
import { useAggregator } from "../helpers/stack.ts";
import { containerId } from "../helpers/synthetic-fleet.ts";
import { renderTop } from "../helpers/tui.ts";

const HOST = "web-1";

function container(name: string, fields: Partial<ContainerRecord>): ContainerRecord {
  return {
    kind: "container",
    time: new Date(Date.now() - 5000).toISOString(),
    host: HOST,
    containerId: containerId(HOST, name),
    containerName: name,
    image: "app:1",
    created: new Date(Date.now() - 600_000).toISOString(),
    state: "running",
    exitCode: null,
    oomKilled: false,
    logDriver: "json-file",
    labels: { "com.example.team": "core" },
    memoryLimitBytes: 0,
    cpuLimitCores: 0,
    restartPolicy: "always",
    ...fields,
  };
}

describe("top: inspect", () => {
  const agg = useAggregator("tui-inspect");
  const apps: { unmount: () => void }[] = [];
  const inspect = (name: string) => {
    const app = renderTop(agg.url, { view: "inspect", ctx: { host: HOST, container: name }, rows: 40 });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    await postBatch(agg.url, [
      container("api", {
        command: "node server.js --port 8080",
        env: ["API_TOKEN=•••", "MODE=prod"],
        ports: ["0.0.0.0:8080->8080/tcp", "9090/tcp"],
        mounts: ["/srv/app:/app (ro)", "volume data:/var/lib/app"],
        health: "healthy",
      }),
      container("hostile", {
        command: "sh -c 'printf \x1b[2J'",
        env: ["GREETING=hi\x1b]0;owned\x07", "MULTI=line1\nline2"],
        labels: { "evil\x1b[31m": "red\x1b[0m" },
        health: "starting",
      }),
      // An older collector's snapshot: none of the details.
      container("legacy", {}),
      container("stopped", {
        state: "exited",
        exitCode: 0,
        command: "sleep 1",
        health: "unhealthy", // what Docker says of every stopped container with a health check
      }),
    ]);
  });
  afterAll(() => {
    for (const a of apps) a.unmount();
  });

  it("shows command, health, ports, mounts, the env as the collector masked it, restart policy", async () => {
    const s = await inspect("api").until("MODE=prod");
    expect(s).toMatch(/command +node server\.js --port 8080\n/);
    expect(s).toMatch(/health +healthy\n/);
    expect(s).toMatch(/ports +0\.0\.0\.0:8080->8080\/tcp\n +9090\/tcp\n/);
    expect(s).toMatch(/mounts +\/srv\/app:\/app \(ro\)\n +volume data:\/var\/lib\/app\n/);
    expect(s).toMatch(/env +API_TOKEN=•••\n +MODE=prod\n/);
    expect(s).toMatch(/restart policy +always\n/);
    expect(s).toMatch(/com\.example\.team +core/);
  });

  it("makes control characters in any field visible instead of passing them to the terminal", async () => {
    const top = inspect("hostile");
    const s = await top.until("evil"); // the labels: the last lines of the page
    expect(s).toContain("command         sh -c 'printf ␛[2J'");
    expect(s).toContain("GREETING=hi␛]0;owned␇");
    expect(s).toContain("MULTI=line1⏎line2");
    expect(s).toContain("evil␛[31m");
    expect(s).toContain("red␛[0m");
    const raw = top.lastFrame() ?? "";
    for (const seq of ["\x1b[2J", "\x1b]0;", "\x07", "evil\x1b[31m", "red\x1b[0m"])
      expect(raw).not.toContain(seq);
  });

  it("says plainly what an older collector's record does not have", async () => {
    const s = await inspect("legacy").until("labels");
    expect(s).toMatch(/command +-\n/);
    expect(s).toMatch(/health +no health check\n/);
    expect(s).toMatch(/ports +none\n/);
    expect(s).toMatch(/mounts +none\n/);
    expect(s).toMatch(/env +none\n/);
  });

  it("does not pass Docker's mark on a stopped container for a health check's result", async () => {
    const s = await inspect("stopped").until("labels");
    expect(s).toMatch(/health +unhealthy \(not running\)\n/);
  });
});
