// The follower's bounds against a gateway that misbehaves, played by a local HTTP server (a real
// gatewayd cannot be made to send a gigantic line, nor to outrun its reader on demand; the real
// one's semantics are tested in test/e2e/journal-gateway.test.ts).
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { InputIssue } from "../../collector/input-issues.ts";
import { parseGatewayTarget } from "../../collector/sources/journal-gateway/gateway-flags.ts";
import { GatewayFollower } from "../../collector/sources/journal-gateway/gateway-follower.ts";
import { waitFor } from "../helpers/wait.ts";

const log = pino({ level: "silent" });
const MiB = 1024 * 1024;

/** A server answering each request with `answer`; the requests' headers are kept. */
async function gateway(answer: (res: ServerResponse, n: number) => void): Promise<{
  url: string;
  server: Server;
  requests: IncomingHttpHeaders[];
}> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    answer(res, requests.length);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, requests };
}

const entry = (i: number, extra = "") =>
  `${JSON.stringify({ __CURSOR: `s=x;i=${i.toString(16)}`, MESSAGE: `line ${i}${extra}` })}\n`;

/** Writes `chunks` chunks of `chunk`, each once the socket drained. */
async function writeAll(res: ServerResponse, chunk: Buffer | string, chunks: number): Promise<void> {
  for (let i = 0; i < chunks && !res.destroyed; i++)
    if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function follow(url: string, opts: Partial<ConstructorParameters<typeof GatewayFollower>[0]> = {}) {
  const f = new GatewayFollower({ target: parseGatewayTarget(url), log, reconnectMinMs: 10, ...opts });
  cleanups.push(() => f.stop());
  f.start();
  return f;
}

describe("GatewayFollower against a misbehaving gateway", () => {
  it("skips and counts a 64 MiB line holding at most its bound, and reads the line after it", async () => {
    const g = await gateway(async (res) => {
      res.write(entry(1));
      await writeAll(res, Buffer.alloc(64 * 1024, 0x78), 1024);
      res.write(`\n${entry(2)}`);
    });
    cleanups.push(async () => void g.server.closeAllConnections());
    const issues: InputIssue[] = [];
    const f = follow(g.url, { maxLineBytes: MiB, skippedInput: (issue) => issues.push(issue) });
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, f.heldBytes)), 1);
    const got: string[] = [];
    await waitFor("both entries", async () => {
      for (const e of (await f.readBatch(10, 0)) ?? []) got.push(String(e.MESSAGE));
      return got.length >= 2;
    });
    clearInterval(sampler);
    expect(got).toEqual(["line 1", "line 2"]);
    expect(f.stats.oversizedLines).toBe(1);
    expect(issues).toEqual([{ outcome: "dropped", stage: "reading", reason: "oversized-line" }]);
    expect(most).toBeLessThanOrEqual(MiB + 64 * 1024);
  });

  it("counts a peer that never sends a newline when it passes the bound", async () => {
    const g = await gateway((res) => void writeAll(res, Buffer.alloc(64 * 1024, 0x78), 64));
    cleanups.push(async () => void g.server.closeAllConnections());
    const f = follow(g.url, { maxLineBytes: MiB });
    await waitFor("the oversized line counted", () => f.stats.oversizedLines === 1);
    expect(f.heldBytes).toBeLessThanOrEqual(MiB);
  });

  it("pauses a gateway that outruns its reader instead of queueing without bound", async () => {
    let sent = 0;
    const g = await gateway(async (res) => {
      for (; sent < 200_000 && !res.destroyed; sent++) {
        if (!res.write(entry(sent + 1, " ".repeat(200)))) await new Promise((r) => res.once("drain", r));
      }
    });
    cleanups.push(async () => void g.server.closeAllConnections());
    const f = follow(g.url, { highWaterEntries: 1000, highWaterBytes: 64 * 1024 });
    await waitFor("the follower paused", () => f.stats.pauses >= 1);
    // Paused: the server stalls on TCP's buffers, far short of all 200,000 entries.
    await waitFor("the server stalled", async () => {
      const before = sent;
      await new Promise((r) => setImmediate(r));
      return sent === before && sent < 200_000;
    });
    expect(f.queuedBytes).toBeLessThanOrEqual(64 * 1024 + 64 * 1024);
    const first = await f.readBatch(100, 0);
    expect(first?.[0]?.MESSAGE).toBe(`line 1${" ".repeat(200)}`);
  });

  it("reconnects with the cursor of the last entry and drops that entry when the gateway repeats it", async () => {
    const g = await gateway((res, n) => {
      // The first answer ends after two entries; the second starts with the cursor's own entry.
      if (n === 1) res.end(entry(1) + entry(2));
      else res.write(entry(2) + entry(3));
    });
    cleanups.push(async () => void g.server.closeAllConnections());
    const f = follow(g.url);
    const got: string[] = [];
    await waitFor("three entries", async () => {
      for (const e of (await f.readBatch(10, 0)) ?? []) got.push(String(e.MESSAGE));
      return got.length >= 3;
    });
    expect(got).toEqual(["line 1", "line 2", "line 3"]);
    expect(g.requests.map((h) => [h.accept, h.range])).toEqual([
      ["application/json", undefined],
      ["application/json", "entries=s=x;i=2"],
    ]);
    expect(f.stats.reconnects).toBe(1);
  });

  it("sends a URL's user:password as basic auth (a proxy in front of gatewayd), never in the label", async () => {
    const g = await gateway((res) => void res.write(entry(1)));
    cleanups.push(async () => void g.server.closeAllConnections());
    const url = g.url.replace("http://", "http://fleet:s3cret@");
    const f = follow(url);
    await f.readBatch(1, 0);
    expect(g.requests[0]?.authorization).toBe(`Basic ${Buffer.from("fleet:s3cret").toString("base64")}`);
    expect(parseGatewayTarget(url).label).toBe(g.url);
  });
});
