// The aggregator on a network: TLS with certificates made by openssl, collectors that verify it
// (--ca) or say why they cannot, client certificates, and the refusal to serve tokens in clear
// text on a non-loopback address.
import { readdir, readFile } from "node:fs/promises";
import { get } from "node:https";
import { join } from "node:path";
import { connect as connectTls } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, rememberToken } from "../helpers/api.ts";
import { makePki, type Pki, startAggregatorWith, trustInTests } from "../helpers/network.ts";
import {
  adminToken,
  type FleetscopeProcess,
  fleetscope,
  freePort,
  metricTotal,
  startCollector,
  TEST_COLLECTOR_FLAGS,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const hostNames = async (url: string) =>
  (await getJson<{ hosts: { host: string }[] }>(url, "/api/v1/hosts")).hosts.map((h) => h.host);

/** GET /healthz over https with node's client, optionally presenting a client certificate. */
async function healthzWith(url: string, pki: Pki, withCert: boolean): Promise<number> {
  const ca = await readFile(pki.ca);
  const cert = withCert ? { cert: await readFile(pki.clientCert), key: await readFile(pki.clientKey) } : {};
  return new Promise((resolve, reject) => {
    const req = get(`${url}/healthz`, { ca, ...cert }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
  });
}

describe("aggregator over TLS", () => {
  const procs: FleetscopeProcess[] = [];
  let dir: { path: string; remove: () => Promise<void> };
  let pki: Pki;
  let url = "";
  beforeAll(async () => {
    dir = await tempDir("tls");
    pki = await makePki(dir.path);
    await trustInTests(pki.ca);
    const tls = ["--tls-cert", pki.serverCert, "--tls-key", pki.serverKey, "--request-timeout", "2s"];
    const agg = await startAggregatorWith(join(dir.path, "agg"), await freePort(), tls, "https");
    procs.push(agg.proc);
    url = agg.url;
  });
  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    await dir?.remove();
  });

  it("serves https, and a collector given the CA with --ca ships to it", async () => {
    expect(url.startsWith("https://")).toBe(true);
    procs.push(
      await startCollector(url, join(dir.path, "trusting"), [
        "--ca",
        pki.ca,
        "--host-name",
        "tls-trusting",
        "--metrics-listen",
        "off",
      ]),
    );
    await waitFor("the collector's host stored over https", async () =>
      (await hostNames(url)).includes("tls-trusting"),
    );
  });

  it("closes a connection that completes the TLS handshake and then sends no request", async () => {
    const socket = connectTls({
      host: "127.0.0.1",
      port: Number(new URL(url).port),
      ca: await readFile(pki.ca),
    });
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    await closed;
    expect(
      await metricTotal(url, "fleetscope_aggregator_connections_dropped_total", 'reason="silent"'),
    ).toBeGreaterThan(0);
  });

  it("a collector without --ca says to give it, and keeps its batches spooled", async () => {
    const spool = join(dir.path, "untrusting");
    const collector = await startCollector(url, spool, [
      "--host-name",
      "tls-untrusting",
      "--metrics-listen",
      "off",
    ]);
    procs.push(collector);
    await waitFor("an error naming --ca", () => /not trusted.*--ca FILE/.test(collector.stderr));
    const spooled = (await readdir(spool)).filter((f) => f.endsWith(".batch"));
    expect(spooled.length).toBeGreaterThan(0);
    expect(await hostNames(url)).not.toContain("tls-untrusting");
  });
});

describe("aggregator requiring client certificates (--tls-client-ca)", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let proc: FleetscopeProcess | undefined;
  let pki: Pki;
  let url = "";
  beforeAll(async () => {
    dir = await tempDir("mtls");
    pki = await makePki(dir.path);
    const flags = ["--tls-cert", pki.serverCert, "--tls-key", pki.serverKey, "--tls-client-ca", pki.ca];
    const agg = await startAggregatorWith(join(dir.path, "agg"), await freePort(), flags, "https");
    proc = agg.proc;
    url = agg.url;
  });
  afterAll(async () => {
    await proc?.stop();
    await dir?.remove();
  });

  it("refuses a client without a certificate and serves one with a certificate signed by the CA", async () => {
    await expect(healthzWith(url, pki, false)).rejects.toThrow(/certificate/);
    expect(await healthzWith(url, pki, true)).toBe(200);
  });
});

describe("listening beyond loopback", () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir("exposed");
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it("is refused without TLS, naming TLS and --insecure as the ways out", async () => {
    const p = fleetscope([
      "aggregator",
      "--data",
      join(dir.path, "plain"),
      "--listen",
      `0.0.0.0:${await freePort()}`,
    ]);
    const { code } = await p.exited;
    expect(code).toBe(1);
    expect(p.stderr).toContain("refusing to listen on 0.0.0.0");
    expect(p.stderr).toContain("--tls-cert");
    expect(p.stderr).toContain("--insecure");
  });

  it("is refused for an ingest listener too", async () => {
    const p = fleetscope([
      "aggregator",
      "--data",
      join(dir.path, "plain-ingest"),
      "--listen",
      `127.0.0.1:${await freePort()}`,
      "--ingest-listen",
      `0.0.0.0:${await freePort()}`,
    ]);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toContain("without TLS");
  });

  it("starts with --insecure and warns that tokens cross the network in clear text", async () => {
    const port = await freePort();
    const p = fleetscope([
      "aggregator",
      "--data",
      join(dir.path, "insecure"),
      "--listen",
      `0.0.0.0:${port}`,
      "--insecure",
    ]);
    try {
      await p.ready("API on");
      expect(p.stderr).toContain("clear text");
    } finally {
      await p.stop();
    }
  });
});

describe("fleetscope up with TLS flags", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let proc: FleetscopeProcess | undefined;
  beforeAll(async () => {
    dir = await tempDir("up-tls");
  });
  afterAll(async () => {
    await proc?.stop();
    await dir?.remove();
  });

  it("serves https on every address (0.0.0.0), and its own collector ships over it through loopback", async () => {
    const pki = await makePki(dir.path);
    await trustInTests(pki.ca);
    const port = await freePort();
    const data = join(dir.path, "data");
    proc = fleetscope([
      "up",
      "--data",
      data,
      "--listen",
      `0.0.0.0:${port}`,
      "--tls-cert",
      pki.serverCert,
      "--tls-key",
      pki.serverKey,
      "--ca",
      pki.ca,
      "--host-name",
      "up-over-tls",
      ...TEST_COLLECTOR_FLAGS,
    ]);
    await proc.ready("API on https://");
    const url = `https://127.0.0.1:${port}`;
    rememberToken(url, await adminToken(data));
    await waitFor("the built-in collector's host stored over https", async () =>
      (await hostNames(url)).includes("up-over-tls"),
    );
  });
});
