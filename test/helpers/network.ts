// Aggregators on a network for tests: certificates made by the real openssl CLI at test time, an
// aggregator started with any flags (TLS, listeners, limits), and a loader of many log lines.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { apiFetch } from "./api.ts";
import { logRecord } from "./log-record.ts";
import { type FleetscopeProcess, startAggregator } from "./stack.ts";

const run = promisify(execFile);

/** PEM files of a test CA, a server certificate for 127.0.0.1/localhost and a client certificate. */
export interface Pki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Makes a CA and, signed by it, a server certificate (SAN 127.0.0.1, localhost, aggregator.fleet.test) and a client one. */
export async function makePki(dir: string): Promise<Pki> {
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args);
  await openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=fleetscope test CA",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
  );
  const sign = async (name: string, subject: string, ext: string) => {
    await openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      subject,
      "-keyout",
      p(`${name}.key`),
      "-out",
      p(`${name}.csr`),
    );
    await writeFile(p(`${name}.ext`), `${ext}\n`);
    await openssl(
      "x509",
      "-req",
      "-in",
      p(`${name}.csr`),
      "-CA",
      p("ca.pem"),
      "-CAkey",
      p("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      p(`${name}.ext`),
      "-out",
      p(`${name}.pem`),
    );
  };
  await sign(
    "server",
    "/CN=localhost",
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:aggregator.fleet.test",
  );
  await sign("client", "/CN=fleetscope test client", "extendedKeyUsage=clientAuth");
  return {
    ca: p("ca.pem"),
    serverCert: p("server.pem"),
    serverKey: p("server.key"),
    clientCert: p("client.pem"),
    clientKey: p("client.key"),
  };
}

/** Lets this test process's fetch trust `caFile` (as a collector's --ca does). */
export async function trustInTests(caFile: string): Promise<void> {
  setDefaultCACertificates([...getCACertificates("default"), await readFile(caFile, "utf8")]);
}

/**
 * `fleetscope aggregator` on `dataDir` listening at 127.0.0.1:`port` with `extra` flags; its admin
 * token is remembered for its URL (`scheme` https when it serves TLS).
 */
export async function startAggregatorWith(
  dataDir: string,
  port: number,
  extra: string[],
  scheme: "http" | "https" = "http",
): Promise<{ proc: FleetscopeProcess; url: string }> {
  const proc = await startAggregator(dataDir, port, extra, scheme);
  return { proc, url: `${scheme}://127.0.0.1:${port}` };
}

/** Peak resident memory of a process so far (VmHWM), in bytes. */
export async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** The words the synthetic log lines are made of (searches pick among them). */
export const WORDS = [
  "alpha",
  "beta",
  "gamma",
  "delta",
  "request",
  "served",
  "upstream",
  "timeout",
  "cache",
  "miss",
];

/**
 * Stores `total` log lines of about `bodyBytes` each (host load-N, within the last hour) in
 * batches of 5,000: enough text for a regex search over them to take a noticeable while.
 */
export async function loadLogLines(url: string, total: number, bodyBytes = 1000): Promise<void> {
  const per = 5000;
  const now = Date.now();
  for (let start = 0; start < total; start += per) {
    const n = Math.min(per, total - start);
    const records = Array.from({ length: n }, (_, i) => {
      const seq = start + i;
      const words: string[] = [];
      for (let k = 0, size = 0; size < bodyBytes; k++) {
        const w = WORDS[(seq * 7 + k * 13) % WORDS.length] as string;
        words.push(w);
        size += w.length + 1;
      }
      return logRecord({
        time: new Date(now - (total - seq) * 10).toISOString(),
        host: `load-${seq % 4}`,
        containerName: `c${seq % 20}`,
        body: `${words.join(" ")} id=${seq}`,
        seq,
      });
    });
    const header = { v: 1, batchId: `load-${now}-${start}`, collectorId: "load", host: "load", count: n };
    const body = [header, ...records].map((r) => JSON.stringify(r)).join("\n");
    const res = await apiFetch(url, "/api/v1/ingest", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
      body: gzipSync(body),
    });
    if (!res.ok) throw new Error(`loading log lines: ${res.status} ${await res.text()}`);
  }
}

/** A search over every stored line whose regex no line matches: it reads all of their text. */
export const WIDE_SEARCH = `/api/v1/logs?since=1h&regex=${encodeURIComponent("(\\w+\\s*){1,30}\\d{9}")}`;
