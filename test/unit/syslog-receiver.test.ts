// The receiver on real sockets (UDP, TCP, TLS) with a stand-in collector context.
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { createReceivers } from "../../collector/receivers/registry.ts";
import { SyslogReceiver } from "../../collector/receivers/syslog/syslog-receiver.ts";
import { freePort } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";
import { FakeInventory, FIXTURES, fakeContext } from "./syslog-support.ts";

const ID = "a".repeat(12) + "b".repeat(52);
let receiver: SyslogReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

async function start(
  options: Partial<ConstructorParameters<typeof SyslogReceiver>[0]> = {},
  inventory = new FakeInventory(),
) {
  const port = await freePort();
  receiver = new SyslogReceiver({
    listen: { host: "127.0.0.1", port },
    maxLineBytes: 1024,
    identityWaitMs: 200,
    ...options,
  });
  const f = fakeContext(inventory);
  await receiver.start(f.ctx);
  return { ...f, port };
}

async function tcp(port: number): Promise<Socket> {
  const s = connect(port, "127.0.0.1");
  await new Promise((r) => s.once("connect", r));
  return s;
}

function udp(port: number, msg: string | Buffer): Promise<void> {
  const s = createSocket("udp4");
  return new Promise((resolve) => s.send(msg, port, "127.0.0.1", () => s.close(() => resolve())));
}

describe("syslog receiver", () => {
  it("listens on UDP and TCP at the same address", async () => {
    const r = await start();
    expect(receiver?.addresses).toEqual([`udp://127.0.0.1:${r.port}`, `tcp://127.0.0.1:${r.port}`]);
    await udp(r.port, "<14>Nov 22 05:00:00 h app[1]: over udp\n");
    (await tcp(r.port)).end("<14>1 - - app - - - over tcp\n");
    await waitFor("both", () => r.records().length === 2);
    expect(r.records().map((x) => [x.body, x.source, x.host])).toEqual([
      ["over udp", "syslog", "test-host"],
      ["over tcp", "syslog", "test-host"],
    ]);
  });

  it("emits what one read brought as one batch", async () => {
    const r = await start();
    (await tcp(r.port)).end(Array.from({ length: 50 }, (_, i) => `<14>line ${i}\n`).join(""));
    await waitFor("50 lines", () => r.records().length === 50);
    expect(r.emits.length).toBeLessThan(5);
  });

  it("rejects a malformed frame, counts and logs it, and keeps the connection", async () => {
    const r = await start();
    const s = await tcp(r.port);
    s.write("<14>before\nnot syslog at all\n");
    await waitFor("first line", () => r.records().length === 1);
    s.write("<14>after\n");
    await waitFor("line after", () => r.records().length === 2);
    expect(r.records().map((x) => x.body)).toEqual(["before", "after"]);
    expect(r.counts.malformed).toBe(1);
    const log = r.logs.join("");
    expect(log).toMatch(/skipped malformed input \(no <PRI>/);
    expect(log).toMatch(/"sample":"not syslog at all"/);
    expect(s.destroyed).toBe(false);
    s.end();
  });

  it("closes a connection whose octet count cannot be real, and counts it", async () => {
    const r = await start();
    const s = await tcp(r.port);
    const closed = new Promise((resolve) => s.on("close", resolve));
    s.write("999999999 <14>x");
    await closed;
    expect(r.counts.malformed).toBe(1);
    expect(r.logs.join("")).toMatch(/octet count 999999999 exceeds/);
  });

  it("cuts lines over --max-line-size with a marker instead of dropping them", async () => {
    const r = await start({ maxLineBytes: 100 });
    (await tcp(r.port)).end(`<14>${"t".repeat(50_000)}\n<14>next\n`);
    await udp(r.port, `<14>${"u".repeat(20_000)}`);
    await waitFor("3 lines", () => r.records().length === 3);
    const [t, next, u] = r.records();
    expect(t?.body).toMatch(/^t+…\[truncated by fleetscope\]$/);
    expect(Buffer.byteLength(t?.body ?? "")).toBeLessThanOrEqual(100);
    expect(t?.attributes["fleetscope.truncated"]).toBe("true");
    expect(next?.body).toBe("next");
    expect(u?.body).toMatch(/^u+…\[truncated by fleetscope\]$/);
  });

  it("stores invalid UTF-8 and NUL safely", async () => {
    const r = await start();
    await udp(r.port, Buffer.from([...Buffer.from("<14>a\0b "), 0xff, 0xc3]));
    await waitFor("line", () => r.records().length === 1);
    expect(r.records()[0]?.body).toBe("a\0b \uFFFD\uFFFD");
    expect(r.records()[0]?.attributes["syslog.invalid_utf8"]).toBe("true");
  });

  it("waits a little for the inventory to learn a new container named by the tag", async () => {
    const inventory = new FakeInventory();
    const r = await start({ identityWaitMs: 1500 }, inventory);
    await udp(r.port, "<27>1 - - web-1 - - - early line\n");
    setTimeout(() => inventory.add({ id: ID, name: "web-1", image: "img" }), 100);
    await waitFor("line", () => r.records().length === 1);
    expect(r.records()[0]).toMatchObject({
      containerId: ID,
      containerName: "web-1",
      stream: "stderr",
      severityNumber: 0,
    });
    // A tag that names no container costs one wait, then goes through as a host's own syslog.
    await udp(r.port, "<27>1 - - sshd - - - not a container\n");
    await waitFor("line", () => r.records().length === 2, { timeoutMs: 8000 });
    expect(r.records()[1]).toMatchObject({
      containerId: "",
      stream: "",
      severityNumber: 17,
      severityText: "ERROR",
    });
  });

  it("speaks TLS on TCP when given a certificate", async () => {
    const r = await start({ tls: { cert: `${FIXTURES}/tls/cert.pem`, key: `${FIXTURES}/tls/key.pem` } });
    expect(receiver?.addresses[1]).toBe(`tcp+tls://127.0.0.1:${r.port}`);
    const plain = await tcp(r.port); // not TLS: the handshake fails, the receiver stays up
    plain.end("<14>plain text\n");
    const s = tlsConnect({ port: r.port, host: "127.0.0.1", rejectUnauthorized: false });
    await new Promise((res) => s.once("secureConnect", res));
    const frame = "<14>1 - - - - - - secure\n";
    s.end(`${frame.length} ${frame}`); // octet counting, as Docker sends over TLS
    await waitFor("TLS line", () => r.records().length === 1);
    expect(r.records()[0]?.body).toBe("secure");
  });

  it("is registered with its TLS files from the collector's receiver config, which needs both", async () => {
    const port = await freePort();
    const tls = { syslogTlsCert: `${FIXTURES}/tls/cert.pem`, syslogTlsKey: `${FIXTURES}/tls/key.pem` };
    const flags = { syslogListen: { host: "127.0.0.1", port }, gelfListen: false, fluentdListen: false };
    const [made] = await createReceivers({ ...flags, ...tls }, 1024);
    receiver = made as SyslogReceiver;
    await receiver.start(fakeContext().ctx);
    expect([receiver.name, receiver.addresses[1]]).toEqual(["syslog", `tcp+tls://127.0.0.1:${port}`]);
    const [halfTls] = await createReceivers({ ...flags, ...tls, syslogTlsKey: undefined }, 1024);
    await expect(halfTls?.start(fakeContext().ctx)).rejects.toThrow(
      /both --syslog-tls-cert and --syslog-tls-key/,
    );
  });

  it("stop() closes open connections and returns", async () => {
    const r = await start();
    const s = await tcp(r.port);
    const closed = new Promise((resolve) => s.on("close", resolve));
    s.on("end", () => s.end());
    s.write("<14>pending line without newline");
    await receiver?.stop();
    receiver = undefined;
    await closed;
    expect(r.records().map((x) => x.body)).toEqual(["pending line without newline"]);
  });
});
