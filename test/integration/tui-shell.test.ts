// The shell around the views when the aggregator is down, then empty, then has data (it retries
// by itself), and `fleetscope logs`, which shares the TUI's filter syntax and live tail.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logFilterToParams, parseFilterWords } from "../../client/log-filter.ts";
import { tokenEnv } from "../helpers/api.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import {
  type FleetscopeProcess,
  fleetscope,
  freePort,
  REPO,
  startAggregator,
  tempDir,
} from "../helpers/stack.ts";
import { containerId, syntheticFleet } from "../helpers/synthetic-fleet.ts";
import { renderTop } from "../helpers/tui.ts";
import { waitFor } from "../helpers/wait.ts";

const exec = promisify(execFile);

describe("fleetscope top when the aggregator comes and goes, and fleetscope logs", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let agg: FleetscopeProcess | undefined;
  let port: number;
  let url: string;
  let top: ReturnType<typeof renderTop>;

  beforeAll(async () => {
    dir = await tempDir("tui-shell");
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    top?.unmount();
    await agg?.stop();
    await dir?.remove();
  });

  it("says the aggregator is unreachable and retries, then that there is no data yet, then shows it", async () => {
    top = renderTop(url, { intervalMs: 300 });
    const down = await top.until("aggregator unreachable");
    expect(down).toContain("✖ aggregator unreachable (ECONNREFUSED) — retrying every 0.3s");
    // The header says so too, instead of "live".
    const header = () => top.screen().split("\n")[0] ?? "";
    expect(header()).toMatch(/○ unreachable — retrying *$/);
    expect(header()).not.toContain("live");
    agg = await startAggregator(dir.path, port);
    await top.until("no data yet: no container has reported in the last hour");
    expect(header()).toMatch(/● live *$/);
    await postBatch(
      url,
      syntheticFleet([{ host: "h-1", name: "shell-api", lines: ["hello from shell-api", "ERROR boom"] }]),
    );
    const up = await top.until("shell-api");
    expect(up).not.toContain("unreachable");
    expect(up).not.toContain("no data yet");
  });

  it("fleetscope logs: filter words, text and json output", async () => {
    const logs = (...args: string[]) =>
      exec(process.execPath, [`${REPO}/cli/fleetscope.ts`, "logs", "--url", url, ...args], {
        env: { ...process.env, ...tokenEnv(["--url", url], {}) },
      });
    const all = (await logs("container:shell-api")).stdout.trim().split("\n");
    expect(all).toHaveLength(2);
    expect(all[0]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} h-1 shell-api stdout hello from shell-api$/,
    );
    expect(all[1]).toMatch(/ h-1 shell-api stderr ERROR boom$/);
    expect((await logs("host:h-1", "stream:stderr")).stdout).not.toContain("hello");
    expect((await logs("level:error", "BOOM")).stdout).toContain("ERROR boom");
    const json = (await logs("hello", "-o", "json")).stdout.trim().split("\n");
    expect(json.map((l) => JSON.parse(l).body)).toEqual(["hello from shell-api"]);
    await expect(logs("level:loud")).rejects.toThrow(/level:loud: expected a level/);
  });

  it("fleetscope logs -f prints new lines as they are stored", async () => {
    const follow = fleetscope(["logs", "--url", url, "-f", "--interval", "200ms", "container:shell-api"]);
    try {
      await waitFor("the existing lines", () => follow.stdout.includes("ERROR boom"));
      const now = Date.now();
      await postBatch(url, [
        logRecord({
          time: new Date(now).toISOString(),
          host: "h-1",
          source: "docker-json",
          containerId: containerId("h-1", "shell-api"),
          containerName: "shell-api",
          stream: "stdout",
          severityNumber: 9,
          body: "a line after the start",
          seq: 1,
        }),
      ]);
      await waitFor("the new line", () => follow.stdout.includes("a line after the start"));
      expect(follow.stdout.match(/ERROR boom/g)).toHaveLength(1); // not printed twice
    } finally {
      await follow.stop();
    }
  });

  it("parses the filter syntax the TUI and the command share", () => {
    expect(parseFilterWords('host:web-1 "connection refused" state:running x', ["host"])).toEqual({
      fields: { host: "web-1" },
      text: "connection refused state:running x",
    });
    expect(
      logFilterToParams("host:web-1 container:api stream:stderr level:warning unit:docker.service refused"),
    ).toEqual({
      host: "web-1",
      container: "api",
      stream: "stderr",
      priority: 4,
      unit: "docker.service",
      q: "refused",
    });
    expect(() => logFilterToParams("stream:both")).toThrow(/stream:stdout or stream:stderr/);
  });
});
