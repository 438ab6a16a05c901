// Docker's real syslog driver over tcp+tls (RFC 5425 octet counting) into the receiver: every
// line arrives, in order, with its container and stream. (Plain UDP/TCP: test/e2e/receiver-syslog.test.ts.)
import { afterAll, describe, expect, it } from "vitest";
import { SyslogReceiver } from "../../collector/receivers/syslog/syslog-receiver.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { printLinesScript } from "../helpers/numbered-lines.ts";
import { freePort } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";
import { FakeInventory, FIXTURES, fakeContext } from "../unit/syslog-support.ts";

const N = 300;

describe("Docker syslog driver over tcp+tls", () => {
  const name = uniqueName("syslog-tls");
  const receiver = { current: undefined as SyslogReceiver | undefined };
  afterAll(async () => {
    await removeContainers(name);
    await receiver.current?.stop();
  });

  it("delivers every stdout and stderr line of a container", async () => {
    const port = await freePort();
    const inventory = new FakeInventory();
    const f = fakeContext(inventory);
    receiver.current = new SyslogReceiver({
      listen: { host: "127.0.0.1", port },
      maxLineBytes: 1024,
      tls: { cert: `${FIXTURES}/tls/cert.pem`, key: `${FIXTURES}/tls/key.pem` },
    });
    await receiver.current.start(f.ctx);
    const script = `${printLinesScript(`${name} out`, N)}; ${printLinesScript(`${name} err`, N, { stderr: true })}`;
    const opts = [
      `syslog-address=tcp+tls://127.0.0.1:${port}`,
      "syslog-format=rfc5424micro",
      "syslog-tls-skip-verify=true",
    ];
    await docker(
      "create",
      "--name",
      name,
      "--log-driver",
      "syslog",
      ...opts.flatMap((o) => ["--log-opt", o]),
      BUSYBOX,
      "sh",
      "-c",
      script,
    );
    inventory.add({ id: await docker("inspect", "-f", "{{.Id}}", name), name, image: BUSYBOX });
    await docker("start", "-a", name);

    const records = await waitFor("all lines", () =>
      f.records().length >= 2 * N ? f.records() : undefined,
    ).catch((err) => {
      throw new Error(`${err.message}; ${f.records().length} records; receiver log:\n${f.logs.join("")}`);
    });
    expect(records).toHaveLength(2 * N);
    expect(new Set(records.map((r) => r.containerName))).toEqual(new Set([name]));
    const seq = Array.from({ length: N }, (_, i) => i + 1);
    for (const stream of ["stdout", "stderr"]) {
      const marker = `${name} ${stream === "stdout" ? "out" : "err"} `;
      const rows = records.filter((r) => r.stream === stream);
      expect(rows.map((r) => Number(r.body.slice(marker.length)))).toEqual(seq);
      expect(rows.every((r) => r.body.startsWith(marker) && r.time.match(/\.\d{6}000Z$/))).toBe(true);
    }
    expect(f.counts.malformed).toBe(0);
  });
});
