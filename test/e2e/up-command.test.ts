// Spine test 7: `fleetscope up`, started the way the README's Quick start does (scripts/up.sh),
// answers its API, and SIGTERM stops it cleanly: exit 0, and the store is released intact.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerDetail } from "../../protocol/api/containers.ts";
import { rememberToken } from "../helpers/api.ts";
import {
  adminToken,
  FleetscopeProcess,
  fleetscope,
  freePort,
  getJson,
  REPO,
  startAggregator,
  TEST_COLLECTOR_FLAGS,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

describe("fleetscope up via scripts/up.sh", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let up: FleetscopeProcess | undefined;
  let after: FleetscopeProcess | undefined;

  beforeAll(async () => {
    dir = await tempDir("up");
  });
  afterAll(async () => {
    await up?.stop("SIGKILL");
    await after?.stop();
    await dir?.remove();
  });

  it("serves the API, then stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    up = new FleetscopeProcess("bash", [
      `${REPO}/scripts/up.sh`,
      "--data",
      dir.path,
      "--listen",
      `127.0.0.1:${port}`,
      ...TEST_COLLECTOR_FLAGS,
    ]);
    await up.ready(`API on ${url}`, 120_000);
    rememberToken(url, await adminToken(dir.path));

    expect(await getJson(url, "/healthz")).toMatchObject({ status: "ok", store: { kind: "chdb" } });
    const openapi = await getJson<{ paths: Record<string, unknown> }>(url, "/api/v1/openapi.json");
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(["/api/v1/logs", "/api/v1/events", "/api/v1/containers"]),
    );
    // The built-in collector reports this host within its first batch.
    const hosts = await waitFor("this host reported", async () => {
      const h = await getJson<{ hosts: { host: string }[] }>(url, "/api/v1/hosts");
      return h.hosts.length > 0 ? h : undefined;
    });
    expect(hosts.hosts).toHaveLength(1);
    const { containers } = await getJson<{ containers: ContainerDetail[] }>(url, "/api/v1/containers");
    expect(Array.isArray(containers)).toBe(true);

    const exit = await up.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(up.stdout).toContain("fleetscope up: stopped cleanly");
    expect(up.stderr).not.toMatch(/"level":(50|60)/); // no error logged on the way out

    // The store was closed, not abandoned: another process can open it and finds the data.
    const port2 = await freePort();
    after = await startAggregator(`${dir.path}`, port2);
    const again = await getJson<{ hosts: { host: string }[] }>(`http://127.0.0.1:${port2}`, "/api/v1/hosts");
    expect(again.hosts).toEqual(hosts.hosts);
  });

  it("refuses to start, with the flag to change, when a receiver's port is taken", async () => {
    const taken = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, "127.0.0.1", resolve));
    try {
      const blocked = fleetscope([
        "up",
        "--data",
        `${dir.path}/blocked`,
        "--listen",
        `127.0.0.1:${await freePort()}`,
        ...TEST_COLLECTOR_FLAGS,
        "--fluentd-listen",
        `127.0.0.1:${port}`,
      ]);
      expect((await blocked.exited).code).toBe(1);
      expect(blocked.stderr).toContain(
        `the fluentd receiver cannot start: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
      expect(blocked.stderr).toContain("--fluentd-listen off");
    } finally {
      taken.close();
    }
  });
});
