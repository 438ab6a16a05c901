// What `docker inspect` shows an operator, end to end: a real container with a secret in its
// environment, a published port, a read-only bind mount and a health check, collected while the
// aggregator is still down (so every byte the collector wrote is in its spool to check), then
// shipped to a real aggregator and read back from the inventory API.
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import {
  type FleetscopeProcess,
  freePort,
  getJson,
  ingestTokenFor,
  startAggregator,
  startCollector,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const SECRET = "s3cret";

interface Container {
  name: string;
  command: string;
  env: string[];
  ports: string[];
  mounts: string[];
  health: string;
  restartPolicy: string;
}

/** Every file under the spool directory as text, batches gunzipped (a file renamed away meanwhile is skipped). */
async function spoolText(dir: string): Promise<string> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    files
      .filter((f) => f.isFile())
      .map(async (f) => {
        const bytes = await readFile(join(f.parentPath, f.name)).catch(() => Buffer.alloc(0));
        const raw = bytes.toString("latin1");
        return f.name.endsWith(".batch") && bytes.length > 0 ? `${raw}\n${gunzipSync(bytes)}` : raw;
      }),
  );
  return texts.join("\n");
}

/** The container records of `name` in the spooled batches. */
async function spooledRecords(dir: string, name: string): Promise<Container[]> {
  return (await spoolText(dir))
    .split("\n")
    .filter((l) => l.includes('"kind":"container"') && l.includes(`"containerName":"${name}"`))
    .map((l) => {
      const r = JSON.parse(l) as Container & { containerName: string };
      return { ...r, name: r.containerName };
    });
}

describe("container details: docker inspect → collector → aggregator → API", () => {
  const name = uniqueName("details");
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let collector: FleetscopeProcess | undefined;
  let aggregator: FleetscopeProcess | undefined;

  beforeAll(async () => {
    dir = await tempDir("details");
  });
  afterAll(async () => {
    await removeContainers(name);
    await collector?.stop();
    await aggregator?.stop();
    await dir?.remove();
  });

  it("answers command, env (the secret masked on the node), ports, mounts and health", async () => {
    const [port, hostPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${port}`;
    const data = join(dir.path, "data");
    const spool = join(dir.path, "spool");
    await mkdir(data);
    await docker(
      "run",
      "-d",
      "--name",
      name,
      "-e",
      `API_TOKEN=${SECRET}`,
      "-e",
      "MODE=prod",
      "-p",
      `127.0.0.1:${hostPort}:80`,
      "-v",
      `${data}:/data:ro`,
      "--health-cmd",
      "true",
      "--health-interval",
      "1s",
      BUSYBOX,
      "sleep",
      "300",
    );
    // The aggregator once, for the collector's ingest token (startCollector makes it through the
    // admin API); then none: what the collector makes of the container stays in its spool.
    const first = await startAggregator(join(dir.path, "agg"), port);
    await ingestTokenFor(url);
    await first.stop();
    collector = await startCollector(url, spool);
    const spooled = await waitFor("the container's healthy snapshot in the spool", async () =>
      (await spooledRecords(spool, name)).find((r) => r.health === "healthy"),
    );
    expect(spooled.env).toEqual(expect.arrayContaining(["API_TOKEN=•••", "MODE=prod"]));
    expect(await spoolText(spool)).not.toContain(SECRET);

    aggregator = await startAggregator(join(dir.path, "agg"), port);
    const [c] = await waitFor("the healthy container in the inventory", async () => {
      const { containers } = await getJson<{ containers: Container[] }>(url, `/api/v1/containers/${name}`);
      return containers[0]?.health === "healthy" ? containers : undefined;
    });
    expect(c).toMatchObject({
      name,
      command: "sleep 300",
      ports: [`127.0.0.1:${hostPort}->80/tcp`],
      mounts: [`${data}:/data (ro)`],
      health: "healthy",
      restartPolicy: "no",
    });
    expect(c?.env).toEqual(expect.arrayContaining(["MODE=prod", "API_TOKEN=•••"]));
    const everything = await (await apiFetch(url, "/api/v1/containers?limit=10000")).text();
    expect(everything).toContain(`"name":"${name}"`);
    expect(everything).not.toContain(SECRET);
    expect(`${collector.stdout}${collector.stderr}`).not.toContain(SECRET);
  });
});
