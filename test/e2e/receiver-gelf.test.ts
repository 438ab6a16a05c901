// Docker's gelf log driver → fleetscope's GELF receiver → the store: UDP (chunked gzip) and TCP,
// numbered lines on stdout and stderr all queryable under the container's name, in order, with
// the stream Docker's `level` encodes. Bad input is counted in /metrics and skipped.
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { TRUNCATION_MARKER } from "../../collector/processors/truncate.ts";
import type { LogLine } from "../../protocol/api/logs.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { bothStreamsScript, containerLines, numbersByStream, oneTo } from "../helpers/numbered-lines.ts";
import { freePort, metricTotal, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 500;
const port = await freePort();

describe("GELF receiver with Docker's gelf driver", () => {
  const udpName = uniqueName("gelf-udp");
  const tcpName = uniqueName("gelf-tcp");
  const up = useUpStack(
    "gelf",
    [udpName, tcpName],
    ["--gelf-listen", `127.0.0.1:${port}`, "--max-line-size", "4KiB"],
  );

  /** Runs a container printing N numbered lines on stdout, then N on stderr, through `address`. */
  async function printThrough(name: string, address: string, opts: string[] = []): Promise<LogLine[]> {
    const marker = `marker-${name}`;
    // A few short pauses: UDP has no flow control, and the machine is shared with other suites.
    const pace = { sleepEvery: 100, sleepUs: 5000 };
    const script = bothStreamsScript(marker, N, N, pace);
    await docker(
      "run",
      "--name",
      name,
      "--log-driver",
      "gelf",
      "--log-opt",
      `gelf-address=${address}`,
      ...opts,
      BUSYBOX,
      "sh",
      "-c",
      script,
    );
    const rows = await waitFor(`${2 * N} lines of ${name}`, async () => {
      const r = await containerLines(up.url, name);
      return r.length >= 2 * N ? r : undefined;
    });
    expect(rows).toHaveLength(2 * N);
    expect(numbersByStream(rows, marker)).toEqual({ stdout: oneTo(N), stderr: oneTo(N) });
    for (const r of rows) {
      expect(r).toMatchObject({ source: "gelf", containerName: name, severityNumber: 0 });
      expect(r.containerId).toHaveLength(64);
    }
    return rows;
  }

  it("UDP, gzip: every stdout and stderr line, in order, under the container's name", async () => {
    await printThrough(udpName, `udp://127.0.0.1:${port}`, ["--log-opt", "gelf-compression-type=gzip"]);
  });

  it("TCP: every stdout and stderr line, in order, under the container's name", async () => {
    await printThrough(tcpName, `tcp://127.0.0.1:${port}`);
  });

  it("counts malformed messages in /metrics and keeps taking good ones after them", async () => {
    const name = uniqueName("gelf-bad");
    const good = (n: number) =>
      JSON.stringify({
        version: "1.1",
        host: "elsewhere",
        short_message: `good ${n}`,
        _container_name: name,
        _container_id: "f".repeat(64),
      });
    const udp = createSocket("udp4");
    const send = (b: Buffer | string) => new Promise((resolve) => udp.send(b, port, "127.0.0.1", resolve));
    await send(Buffer.from([0x1f, 0x8b, 0xde, 0xad])); // gzip magic, no gzip behind it
    await send(good(1));
    udp.close();
    const tcp = connect(port, "127.0.0.1");
    tcp.end(`{"short_message": "cut off\0${good(2)}\0`);

    await waitFor(
      "two malformed messages counted",
      async () =>
        (await metricTotal(up.url, "fleetscope_collector_input_rejected_total", 'component="gelf"')) === 2,
    );
    const rows = await waitFor("the good messages stored", async () => {
      const r = await containerLines(up.url, name);
      return r.length >= 2 ? r : undefined;
    });
    expect(rows.map((r) => r.body).sort()).toEqual(["good 1", "good 2"]);
  });

  it("cuts a body over --max-line-size and marks it, instead of dropping it", async () => {
    const name = uniqueName("gelf-long");
    const tcp = connect(port, "127.0.0.1");
    tcp.end(
      `${JSON.stringify({ short_message: "é".repeat(10_000), _container_name: name, _container_id: "d".repeat(64) })}\0`,
    );
    const [row] = await waitFor("the long message stored", async () => {
      const r = await containerLines(up.url, name);
      return r.length > 0 ? r : undefined;
    });
    expect(row?.body.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(Buffer.byteLength(row?.body ?? "")).toBeLessThanOrEqual(4096);
    expect(row?.body.startsWith("éééé")).toBe(true);
  });
});
