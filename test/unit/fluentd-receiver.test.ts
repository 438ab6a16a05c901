// The fluentd receiver on real sockets (no Docker): acks only after the spool has the records,
// resends stored once, broken framing closes that connection only, the UDP heartbeat answers.
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { decode, encode } from "@msgpack/msgpack";
import { afterEach, describe, expect, it } from "vitest";
import { FluentdReceiver } from "../../collector/receivers/fluentd/fluentd-receiver.ts";
import { readCapture } from "../fixtures/gelf/datagrams.ts";
import { type ReceiverHarness, receiverHarness } from "../helpers/receiver-context.ts";
import { waitFor } from "../helpers/wait.ts";

let receiver: FluentdReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

async function start(): Promise<{ h: ReceiverHarness; port: number }> {
  const h = receiverHarness();
  receiver = new FluentdReceiver({ host: "127.0.0.1", port: 0 }, { maxLineBytes: 64 * 1024 });
  await receiver.start(h.ctx);
  const port = Number(new URL(receiver.addresses[0] as string).port);
  expect(receiver.addresses).toEqual([`tcp://127.0.0.1:${port}`, `udp://127.0.0.1:${port}`]);
  return { h, port };
}

/** A client connection that collects what the receiver answers. */
async function client(
  port: number,
): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  const parts: Buffer[] = [];
  socket.on("data", (d: Buffer) => parts.push(d));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  return { socket, received: () => Buffer.concat(parts), closed };
}

const message = (log: string, chunk?: string) =>
  Buffer.from(encode(["app", 1795323791, { log }, chunk ? { chunk } : {}]));

describe("fluentd receiver", () => {
  it("takes what Docker's driver sends", async () => {
    const { h, port } = await start();
    const c = await client(port);
    c.socket.write(readCapture("../fluentd/default.tcp"));
    await waitFor("10 records", () => h.records.length === 10);
    expect(h.records.every((r) => r.containerName === "fs-cap-fluentd-default")).toBe(true);
    expect(c.received().length).toBe(0); // no chunk, no ack
    c.socket.end();
  });

  it("acks a chunk only once spooled() resolved, and stores a resend once", async () => {
    const { h, port } = await start();
    const c = await client(port);
    const release = h.holdSpool();
    c.socket.write(message("durable", "chunk-1"));
    await waitFor(
      "the record emitted and the receiver waiting on the spool",
      () => h.records.length === 1 && h.spooledCalls.count === 1,
    );
    expect(c.received().length).toBe(0); // held: no ack yet
    release();
    await waitFor("the ack", () => c.received().length > 0);
    expect(decode(c.received())).toEqual({ ack: "chunk-1" });

    c.socket.write(message("durable", "chunk-1")); // the sender missed the ack and resends
    await waitFor("the second ack", () => c.received().length === 2 * encode({ ack: "chunk-1" }).length);
    expect(h.records.map((r) => r.body)).toEqual(["durable"]);
    c.socket.end();
  });

  it("skips a malformed message and keeps the connection", async () => {
    const { h, port } = await start();
    const c = await client(port);
    c.socket.write(Buffer.concat([Buffer.from(encode({ not: "forward" })), message("after")]));
    await waitFor("the good message", () => h.records.length === 1);
    expect(h.malformed.count).toBe(1);
    expect(JSON.parse(h.warnings[0] as string).msg).toBe(
      "fluentd: skipped malformed input (not a forward message ([tag, time, record] or [tag, entries]))",
    );
    c.socket.end();
  });

  it("closes a connection whose framing is lost; the listener stays up", async () => {
    const { h, port } = await start();
    const bad = await client(port);
    bad.socket.write(Buffer.concat([message("before"), Buffer.from([0xc1, 0x00])]));
    await bad.closed;
    expect(h.malformed.count).toBe(1);
    expect(h.warnings.join("")).toMatch(/byte 0xc1 starts no msgpack value; closing the connection/);
    const good = await client(port);
    good.socket.write(message("after"));
    await waitFor("both good messages", () => h.records.length === 2);
    expect(h.records.map((r) => r.body)).toEqual(["before", "after"]);
    good.socket.end();
  });

  it("answers a UDP heartbeat", async () => {
    const { port } = await start();
    const udp = createSocket("udp4");
    const reply = new Promise<Buffer>((resolve) => udp.once("message", resolve));
    udp.send(Buffer.from([0]), port, "127.0.0.1");
    expect(await reply).toEqual(Buffer.from([0]));
    udp.close();
  });
});
