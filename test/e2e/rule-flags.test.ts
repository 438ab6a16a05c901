// The incident rules' settings are flags of `aggregator` and `up` (and environment variables),
// derived from the rule registry: a crash loop of two deaths is one only when told so.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncidentsAnswer } from "../../protocol/api/incidents.ts";
import type { EventRecord } from "../../protocol/records.ts";
import { rememberToken } from "../helpers/api.ts";
import { postBatch } from "../helpers/ingest.ts";
import {
  adminToken,
  type FleetscopeProcess,
  fleetscope,
  freePort,
  getJson,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const now = Date.now();
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
const ID = "c".repeat(64);

function event(secondsAgo: number, action: string, exitCode: number | null = null): EventRecord {
  return {
    kind: "event",
    time: at(secondsAgo),
    host: "h1",
    type: "container",
    action,
    containerId: ID,
    containerName: "flaky",
    image: "flaky:1",
    exitCode,
    attributes: action === "start" ? { startedBy: "daemon" } : {},
  };
}

// Two runs that each died with exit 1: under the default (3 deaths) that is two exits, not a loop.
const TWO_DEATHS = [event(40, "start"), event(30, "die", 1), event(20, "start"), event(10, "die", 1)];

async function aggregator(dir: string, port: number, extra: string[], env: NodeJS.ProcessEnv = {}) {
  const p = fleetscope(
    ["aggregator", "--data", dir, "--listen", `127.0.0.1:${port}`, "--log-level", "warn", ...extra],
    env,
  );
  await p.ready("API on");
  rememberToken(`http://127.0.0.1:${port}`, await adminToken(dir));
  return p;
}

describe("incident rule settings on the command line", () => {
  const procs: FleetscopeProcess[] = [];
  const dirs: { remove: () => Promise<void> }[] = [];
  const urls: Record<"flag" | "env" | "defaults", string> = { flag: "", env: "", defaults: "" };

  beforeAll(async () => {
    const runs: [keyof typeof urls, string[], NodeJS.ProcessEnv][] = [
      ["flag", ["--crash-loop-min-dies", "2"], {}],
      ["env", [], { FLEETSCOPE_CRASH_LOOP_MIN_DIES: "2" }],
      ["defaults", [], {}],
    ];
    for (const [name, extra, env] of runs) {
      const dir = await tempDir(`rule-flags-${name}`);
      const port = await freePort();
      dirs.push(dir);
      procs.push(await aggregator(dir.path, port, extra, env));
      urls[name] = `http://127.0.0.1:${port}`;
      await postBatch(urls[name], TWO_DEATHS);
    }
  });
  afterAll(async () => {
    for (const p of procs) await p.stop();
    for (const d of dirs) await d.remove();
  });

  const kinds = async (url: string) =>
    (await getJson<IncidentsAnswer>(url, "/api/v1/incidents?since=10m")).incidents.map((i) => i.kind).sort();

  it("--crash-loop-min-dies 2 (or its variable) makes two deaths a crash loop", async () => {
    for (const url of [urls.flag, urls.env]) {
      const found = await waitFor("a crash-loop incident", async () => {
        const k = await kinds(url);
        return k.includes("crash-loop") ? k : undefined;
      });
      expect(found.filter((k) => k === "crash-loop")).toHaveLength(1);
    }
  });

  it("with the default of 3, the same two deaths are two exits and no loop", async () => {
    // Both kinds come from one detector run over the same evidence: once the exits are there,
    // a loop would be too.
    const found = await waitFor("two exit incidents", async () => {
      const k = await kinds(urls.defaults);
      return k.filter((x) => x === "exit").length >= 2 ? k : undefined;
    });
    expect(found).not.toContain("crash-loop");
  });

  it("rejects a setting out of range with the flag's own message", async () => {
    const p = fleetscope(["aggregator", "--crash-loop-min-dies", "0"]);
    const { code } = await p.exited;
    expect(code).not.toBe(0);
    expect(p.stderr).toContain("--crash-loop-min-dies <count>' argument '0' is invalid. expected 1 to 10000");
  });
});
