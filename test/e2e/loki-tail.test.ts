// Loki's /loki/api/v1/tail over a WebSocket, on a real aggregator fed through ingest: opened as
// Grafana's live mode opens it (only `query` from Explore, the token in the Authorization header
// its data source proxy adds; Loki's own clients add start, limit and delay_for), read with
// Node's WebSocket client.
import { request } from "node:http";
import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LokiTailFrame } from "../../protocol/api/loki.ts";
import { apiFetch, createToken, tokenFor } from "../helpers/api.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { type FleetscopeProcess, freePort, startAggregator, tempDir } from "../helpers/stack.ts";
import { containerId } from "../helpers/synthetic-fleet.ts";
import { waitFor } from "../helpers/wait.ts";

const MAX_TAILS = 3;
const T0_MS = Date.now() - 60_000;
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

/** A line of container `name` on `host` at `ms`, its time with sub-millisecond digits. */
function line(name: string, host: string, ms: number, body: string, seq: number, stream = "stdout") {
  return logRecord({
    time: new Date(ms).toISOString().replace("Z", "000456Z"),
    host,
    source: "docker-json",
    containerId: containerId(host, name),
    containerName: name,
    image: "shop/tail:1",
    stream: stream as "stdout" | "stderr",
    body,
    seq,
  });
}

/** An open tail: every line received so far (in arrival order) and every frame. */
interface Tail {
  frames: LokiTailFrame[];
  lines: () => { ns: string; body: string; labels: Record<string, string> }[];
  close: () => void;
  /** The close code, once the server (or the test) closed the socket. */
  closed: Promise<number>;
}

function tailUrl(base: string, params: Record<string, string>): string {
  return `${base.replace(/^http/, "ws")}/loki/api/v1/tail?${new URLSearchParams(params)}`;
}

/** Opens a tail with `token` (the admin's by default) and waits for the socket to open. */
async function openTail(base: string, params: Record<string, string>, token = tokenFor(base)): Promise<Tail> {
  // Node's WebSocket (undici) takes headers besides the browser's arguments.
  const ws = new WebSocket(tailUrl(base, params), {
    headers: { authorization: `Bearer ${token}` },
  } as unknown as string[]);
  const frames: LokiTailFrame[] = [];
  ws.onmessage = (e) => frames.push(JSON.parse(String(e.data)));
  const closed = new Promise<number>((resolve) => {
    ws.onclose = (e) => resolve(e.code);
  });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("the tail's WebSocket did not open"));
  });
  return {
    frames,
    lines: () =>
      frames.flatMap((f) =>
        (f.streams ?? [])
          .flatMap((s) => s.values.map(([n, body]) => ({ ns: n, body, labels: s.stream })))
          .sort((a, b) => (BigInt(a.ns) < BigInt(b.ns) ? -1 : BigInt(a.ns) > BigInt(b.ns) ? 1 : 0)),
      ),
    close: () => ws.close(),
    closed,
  };
}

/**
 * A WebSocket upgrade request for the tail, sent by hand (the test reads the answer itself), on a
 * connection of its own: the server closes the socket of a refused upgrade after answering.
 */
function upgradeRequest(base: string, params: Record<string, string>, headers: Record<string, string>) {
  const req = request(new URL(`${base}/loki/api/v1/tail?${new URLSearchParams(params)}`), {
    agent: false,
    headers: {
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      ...headers,
    },
  });
  req.end();
  return req;
}

/** The answer to a WebSocket upgrade of the tail: 101, or the status and body of the refusal. */
function upgrade(
  base: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = upgradeRequest(base, params, headers);
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ status: 101, body: "" });
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

const bodies = (t: Tail) => t.lines().map((l) => l.body);

/** A tail's socket after the upgrade, read by hand so the test can stop reading it (a stuck client). */
function rawTail(base: string, params: Record<string, string>, token: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = upgradeRequest(base, params, { authorization: `Bearer ${token}` });
    req.on("upgrade", (_res, socket, head) => {
      socket.pause();
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on("response", (res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    req.on("error", reject);
  });
}

/** The text frames a server sends (never masked), taken off the front of `buf`; the rest stays. */
function takeFrames(buf: Buffer): { frames: string[]; rest: Buffer } {
  const frames: string[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const short = (buf[at + 1] ?? 0) & 0x7f;
    const [len, headerLen] =
      short === 126
        ? [buf.readUInt16BE(at + 2), 4]
        : short === 127
          ? [Number(buf.readBigUInt64BE(at + 2)), 10]
          : [short, 2];
    if (buf.length - at < headerLen + len) break;
    if (((buf[at] ?? 0) & 0x0f) === 1)
      frames.push(buf.subarray(at + headerLen, at + headerLen + len).toString());
    at += headerLen + len;
  }
  return { frames, rest: buf.subarray(at) };
}

describe("Loki tail", () => {
  let agg: FleetscopeProcess;
  let dir: { path: string; remove: () => Promise<void> };
  let url: string;

  /** Lines tails dropped for slow clients, from the aggregator's own metric. */
  async function droppedTotal(): Promise<number> {
    const text = await (await apiFetch(url, "/metrics")).text();
    return Number(/^fleetscope_aggregator_loki_tail_dropped_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
  }

  /** Open tails whose poller runs, from the aggregator's own metric. */
  async function pollers(): Promise<number> {
    const text = await (await apiFetch(url, "/metrics")).text();
    return Number(/^fleetscope_aggregator_loki_tails (\d+)/m.exec(text)?.[1] ?? Number.NaN);
  }

  beforeAll(async () => {
    dir = await tempDir("loki-tail");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    agg = await startAggregator(dir.path, port, ["--max-tails", String(MAX_TAILS)]);
    await postBatch(url, [
      line("tail-a", "h-1", T0_MS, "backlog 1", 1),
      line("tail-a", "h-1", T0_MS + 1000, "backlog 2", 2),
      line("tail-a", "h-1", T0_MS + 2000, "backlog 3", 3),
    ]);
  });
  afterAll(async () => {
    await agg?.stop();
    await dir?.remove();
  });

  it("sends the backlog first, then each later line once, in time order", async () => {
    const tail = await openTail(url, { query: '{container="tail-a"}', start: ns(T0_MS - 1000) });
    await waitFor("the backlog", () => tail.frames.length > 0);
    expect(bodies(tail)).toEqual(["backlog 1", "backlog 2", "backlog 3"]);
    expect(tail.lines()[0]).toEqual({
      ns: `${BigInt(T0_MS) * 1_000_000n + 456n}`,
      body: "backlog 1",
      labels: {
        host: "h-1",
        container: "tail-a",
        image: "shop/tail:1",
        stream: "stdout",
        source: "docker-json",
        log_set: "default",
      },
    });
    // Two lines of one nanosecond (told apart by seq), then a later one in a batch of its own.
    const now = Date.now();
    await postBatch(url, [
      line("tail-a", "h-1", now, "live 1", 10),
      line("tail-a", "h-1", now, "live 2", 11),
    ]);
    await waitFor("the live lines", () => bodies(tail).length === 5);
    await postBatch(url, [line("tail-a", "h-1", now + 1, "live 3", 12)]);
    await waitFor("the third live line", () => bodies(tail).includes("live 3"));
    // A poll after the last line: nothing comes twice.
    await postBatch(url, [line("tail-a", "h-1", now + 2, "live 4", 13)]);
    await waitFor("the fourth live line", () => bodies(tail).includes("live 4"));
    expect(bodies(tail)).toEqual([
      "backlog 1",
      "backlog 2",
      "backlog 3",
      "live 1",
      "live 2",
      "live 3",
      "live 4",
    ]);
    tail.close();
  });

  it("starts with the newest `limit` lines", async () => {
    const tail = await openTail(url, { query: '{container="tail-a"}', start: ns(T0_MS - 1000), limit: "2" });
    await waitFor("the backlog", () => tail.frames.length > 0);
    expect(bodies(tail)).toEqual(["live 3", "live 4"]);
    tail.close();
  });

  it("narrows by label matchers, line filters and label filters", async () => {
    const now = Date.now();
    const tail = await openTail(url, {
      query: '{container="tail-b", stream="stderr"} |= "refused" | json | code="503"',
      start: ns(now - 1000),
    });
    await postBatch(url, [
      line("tail-b", "h-1", now, '{"msg":"connection refused","code":503}', 1, "stderr"),
      line("tail-b", "h-1", now, '{"msg":"connection refused","code":500}', 2, "stderr"),
      line("tail-b", "h-1", now, '{"msg":"connection refused","code":503}', 3, "stdout"),
      line("tail-b", "h-1", now, '{"msg":"ok","code":503}', 4, "stderr"),
      line("tail-c", "h-1", now, '{"msg":"connection refused","code":503}', 5, "stderr"),
    ]);
    await postBatch(url, [line("tail-b", "h-1", now + 5, '{"msg":"refused again","code":503}', 6, "stderr")]);
    await waitFor("the last matching line", () => bodies(tail).some((b) => b.includes("again")));
    expect(bodies(tail)).toEqual([
      '{"msg":"connection refused","code":503}',
      '{"msg":"refused again","code":503}',
    ]);
    tail.close();
  });

  it("shows a reader limited to hosts only their lines", async () => {
    const reader = await createToken(url, { role: "read", readHosts: ["h-2"] });
    const now = Date.now();
    const tail = await openTail(url, { query: '{container="tail-d"}', start: ns(now - 1000) }, reader.secret);
    await postBatch(url, [
      line("tail-d", "h-1", now, "on h-1", 1),
      line("tail-d", "h-2", now, "on h-2", 1),
      line("tail-d", "h-1", now + 1, "on h-1 later", 2),
      line("tail-d", "h-2", now + 1, "on h-2 later", 2),
    ]);
    await waitFor("h-2's lines", () => bodies(tail).length === 2);
    expect(bodies(tail)).toEqual(["on h-2", "on h-2 later"]);
    expect(new Set(tail.lines().map((l) => l.labels.host))).toEqual(new Set(["h-2"]));
    tail.close();
  });

  it("drops lines a client does not read, and tells it which once it reads again", async () => {
    const before = await droppedTotal();
    const now = Date.now();
    const socket = await rawTail(
      url,
      { query: '{container="tail-flood"}', start: ns(now - 30_000) },
      tokenFor(url) ?? "",
    );
    // 20,000 lines of 1 kB, a millisecond apart and all in the past: several times what the client's and the server's socket buffers hold.
    const pad = "x".repeat(1000);
    for (let b = 0; b < 2; b++)
      await postBatch(
        url,
        Array.from({ length: 10_000 }, (_, i) =>
          line("tail-flood", "h-1", now - 25_000 + b * 10_000 + i, `${pad} ${b}-${i}`, b * 10_000 + i),
        ),
      );
    await waitFor("lines dropped for the stuck client", async () => (await droppedTotal()) > before);
    let buf: Buffer = Buffer.alloc(0);
    const frames: LokiTailFrame[] = [];
    socket.on("data", (chunk: Buffer) => {
      const taken = takeFrames(Buffer.concat([buf, chunk]));
      buf = taken.rest;
      for (const f of taken.frames) frames.push(JSON.parse(f));
    });
    socket.resume();
    const sent = () =>
      frames.reduce((n, f) => n + (f.streams ?? []).reduce((m, s) => m + s.values.length, 0), 0);
    // Every line either reached the client or was counted dropped, and the client was told.
    await waitFor(
      "every line sent or dropped",
      async () => sent() + (await droppedTotal()) - before === 20_000,
    );
    const told = frames.flatMap((f) => f.dropped_entries ?? []);
    expect(told.length).toBeGreaterThan(0);
    expect(told[0]?.labels).toMatchObject({ container: "tail-flood", host: "h-1" });
    expect(told[0]?.timestamp).toMatch(/^\d{19}$/);
    socket.destroy();
  });

  it("closes a tail whose token is revoked", async () => {
    const reader = await createToken(url, { role: "read" });
    const tail = await openTail(url, { query: '{container="tail-a"}' }, reader.secret);
    await waitFor("the backlog", () => tail.frames.length > 0);
    const revoked = await apiFetch(url, `/api/v1/tokens/${reader.id}`, { method: "DELETE" });
    expect(revoked.status).toBe(200);
    expect(await tail.closed).toBe(1008);
  });

  it("refuses an upgrade without a token (401), a metric query (Loki's 400) and a bad delay_for", async () => {
    const anonymous = await upgrade(url, { query: '{container="tail-a"}' });
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).error).toMatch(/needs a token/);
    const auth = { authorization: `Bearer ${tokenFor(url)}` };
    const metric = await upgrade(url, { query: 'count_over_time({container="tail-a"}[1m])' }, auth);
    expect(metric.status).toBe(400);
    expect(metric.body).toMatch(/^parse error : a tail follows log lines/);
    const delay = await upgrade(url, { query: '{container="tail-a"}', delay_for: "6" }, auth);
    expect(delay).toEqual({ status: 400, body: "delay_for can't be greater than 5" });
    const badRegex = await upgrade(url, { query: '{container=~"("}' }, auth);
    expect(badRegex.status).toBe(400);
    expect((await upgrade(url, { query: '{container="tail-a"}' }, auth)).status).toBe(101);
  });

  it("refuses tails over --max-tails, and stops each poller when its socket closes", async () => {
    await waitFor("no poller left from earlier tests", async () => (await pollers()) === 0);
    const tails: Tail[] = [];
    for (let i = 0; i < MAX_TAILS; i++) tails.push(await openTail(url, { query: '{container="tail-a"}' }));
    await waitFor("a poller per tail", async () => (await pollers()) === MAX_TAILS);
    const over = await upgrade(
      url,
      { query: '{container="tail-a"}' },
      { authorization: `Bearer ${tokenFor(url)}` },
    );
    expect(over.status).toBe(503);
    expect(JSON.parse(over.body).error).toMatch(/--max-tails/);
    for (const t of tails) t.close();
    await waitFor("every poller stopped", async () => (await pollers()) === 0);
    // Their slots are free again.
    const again = await openTail(url, { query: '{container="tail-a"}' });
    await waitFor("the new tail's poller", async () => (await pollers()) === 1);
    again.close();
    await waitFor("its poller stopped", async () => (await pollers()) === 0);
  });
});
