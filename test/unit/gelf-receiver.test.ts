// The GELF receiver on real sockets (no Docker): captured datagrams and TCP bytes in, records
// out; bad input counted one message at a time while the listeners stay up.
import { createSocket } from "node:dgram";
import { connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { GelfReceiver } from "../../collector/receivers/gelf/gelf-receiver.ts";
import { readCapture, readDatagrams } from "../fixtures/gelf/datagrams.ts";
import { type ReceiverHarness, receiverHarness } from "../helpers/receiver-context.ts";
import { waitFor } from "../helpers/wait.ts";

let receiver: GelfReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

async function start(maxLineBytes = 256 * 1024): Promise<{ h: ReceiverHarness; port: number }> {
  const h = receiverHarness();
  receiver = new GelfReceiver({ host: "127.0.0.1", port: 0 }, { maxLineBytes });
  await receiver.start(h.ctx);
  const [udp, tcp] = receiver.addresses;
  const port = Number(new URL(udp as string).port);
  expect(tcp).toBe(`tcp://127.0.0.1:${port}`);
  return { h, port };
}

function sendUdp(port: number, datagrams: Buffer[]): Promise<void> {
  const s = createSocket("udp4");
  return new Promise((resolve) => {
    let left = datagrams.length;
    for (const d of datagrams) s.send(d, port, "127.0.0.1", () => --left === 0 && s.close(() => resolve()));
  });
}

function openTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
  });
}

describe("GELF receiver", () => {
  it("fails to start on a TCP port in use, saying so, and then stops without an error", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    try {
      const failed = new GelfReceiver({ host: "127.0.0.1", port }, { maxLineBytes: 1024 });
      await expect(failed.start(receiverHarness().ctx)).rejects.toThrow(/EADDRINUSE/);
      await expect(failed.stop()).resolves.toBeUndefined();
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it("takes Docker's chunked gzip datagrams over UDP", async () => {
    const { h, port } = await start();
    await sendUdp(port, readDatagrams("udp-gzip"));
    await waitFor("9 records", () => h.records.length === 9);
    expect(new Set(h.records.map((r) => r.containerName))).toEqual(new Set(["fs-cap-gelf-gzip"]));
    expect(h.malformed.count).toBe(0);
  });

  it("takes Docker's NUL-framed TCP stream in small reads", async () => {
    const { h, port } = await start();
    const s = await openTcp(port);
    const stream = readCapture("tcp.tcp");
    for (let at = 0; at < stream.length; at += 500) s.write(stream.subarray(at, at + 500));
    await waitFor("9 records", () => h.records.length === 9);
    expect(h.records.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    s.end();
  });

  it("counts a malformed datagram and a malformed TCP frame, and keeps taking good ones", async () => {
    const { h, port } = await start();
    const good = (n: number) => Buffer.from(JSON.stringify({ short_message: `good ${n}`, host: "x" }));
    await sendUdp(port, [Buffer.from("\x00\xff not gelf"), good(1)]);
    const s = await openTcp(port);
    s.write(
      Buffer.concat([Buffer.from('{"short_message": tru'), Buffer.from([0]), good(2), Buffer.from([0])]),
    );
    await waitFor("both good messages", () => h.records.length === 2);
    expect(h.records.map((r) => r.body).sort()).toEqual(["good 1", "good 2"]);
    expect(h.malformed.count).toBe(2);
    const logged = h.warnings.map((w) => JSON.parse(w));
    expect(logged.map((w) => [w.msg.slice(0, 45), w.peer.slice(0, 6), w.sample])).toEqual([
      ["gelf: skipped malformed input (not JSON: Unex", "udp://", "\\u0000\\xff not gelf"],
      ["gelf: skipped malformed input (not JSON: Unex", "tcp://", '{\\"short_message\\": tru'],
    ]);
    s.end();
  });

  it("refuses a message over the size limit and takes the next one", async () => {
    const { h, port } = await start(1000); // messages up to 6*1000+64Ki bytes
    const huge = Buffer.from(JSON.stringify({ short_message: "x".repeat(200_000) }));
    const s = await openTcp(port);
    s.write(Buffer.concat([huge, Buffer.from([0]), Buffer.from('{"short_message":"after"}\0')]));
    await waitFor("the next message", () => h.records.length === 1);
    expect(h.records[0]?.body).toBe("after");
    expect(h.malformed.count).toBe(1);
    s.end();
  });

  it("closes open TCP connections on stop, taking what was sent before", async () => {
    const { h, port } = await start();
    const s = await openTcp(port);
    const closed = new Promise((resolve) => s.on("close", resolve));
    s.write('{"short_message":"last words"}'); // no NUL yet: the end of the stream ends it
    await receiver?.stop();
    receiver = undefined;
    await closed;
    expect(h.records.map((r) => r.body)).toEqual(["last words"]);
  });
});
