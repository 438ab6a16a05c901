// Docker's fluentd log driver → fleetscope's forward receiver → the store, with and without
// fluentd-request-ack; and the ack promise itself: once a raw client got its ack, a SIGKILL of
// the collector cannot lose the record.
import { connect } from "node:net";
import { decode, encode } from "@msgpack/msgpack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { containerLines, numbersByStream, oneTo, printLinesScript } from "../helpers/numbered-lines.ts";
import { type FleetscopeProcess, freePort, startUp, tempDir } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const port = await freePort();
const FLAGS = ["--fluentd-listen", `127.0.0.1:${port}`];

describe("fluentd receiver with Docker's fluentd driver", () => {
  const plain = uniqueName("fluentd");
  const acked = uniqueName("fluentd-ack");
  // One stack, restarted once by the SIGKILL test on the same data directory.
  let up: { proc: FleetscopeProcess; url: string } | undefined;
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  const url = () => up?.url as string;
  beforeAll(async () => {
    dir = await tempDir("fluentd");
    up = await startUp(dir.path, FLAGS);
  });
  afterAll(async () => {
    await removeContainers(plain, acked);
    await up?.proc.stop();
    await dir?.remove();
  });

  /** Runs a container printing n numbered lines on stdout and n on stderr (unless `stderr` is 0) at once. */
  async function printLines(name: string, n: number, opts: string[], stderr = n): Promise<void> {
    const marker = `marker-${name}`;
    const script = `(${printLinesScript(`${marker} out`, n)}) & ${printLinesScript(`${marker} err`, stderr, { stderr: true })}; wait`;
    const address = ["--log-opt", `fluentd-address=127.0.0.1:${port}`];
    await docker(
      "run",
      "--name",
      name,
      "--log-driver",
      "fluentd",
      ...address,
      ...opts,
      BUSYBOX,
      "sh",
      "-c",
      script,
    );
    // Generous: with request-ack each line waits for one spool fsync, slow on a busy disk.
    const rows = await waitFor(
      `${n + stderr} lines of ${name}`,
      async () => {
        const r = await containerLines(url(), name);
        return r.length >= n + stderr ? r : undefined;
      },
      { timeoutMs: 120_000 },
    );
    expect(rows).toHaveLength(n + stderr);
    expect(numbersByStream(rows, marker)).toEqual({ stdout: oneTo(n), stderr: oneTo(stderr) });
    for (const r of rows)
      expect(r).toMatchObject({ source: "fluentd", containerName: name, severityNumber: 0 });
  }

  it("takes every stdout and stderr line, in order, under the container's name", async () => {
    await printLines(plain, 1000, []);
  });

  it("with fluentd-request-ack=true: every line once, each acked after it was spooled", async () => {
    // stdout only: with both streams writing at once, Docker 20.10's driver resends endlessly and
    // can crash dockerd itself (nil pointer in its ack reader; test/fixtures/fluentd/SOURCE.md).
    await printLines(acked, 100, ["--log-opt", "fluentd-request-ack=true"], 0);
  });

  it("acks a chunk only once the record is spooled: a SIGKILL right after the ack loses nothing", async () => {
    const name = uniqueName("fluentd-kill");
    const chunk = `chunk-${name}`;
    const socket = connect(port, "127.0.0.1");
    const ack = new Promise<unknown>((resolve) => socket.once("data", (d: Buffer) => resolve(decode(d))));
    const record = {
      log: `survives ${name}`,
      container_name: `/${name}`,
      container_id: "e".repeat(64),
      source: "stdout",
    };
    socket.write(encode(["app", Math.floor(Date.now() / 1000), record, { chunk }]));
    expect(await ack).toEqual({ ack: chunk });
    await up?.proc.stop("SIGKILL"); // at once: whatever was only in memory is gone
    socket.destroy();

    up = await startUp(dir?.path as string, FLAGS);
    const rows = await waitFor("the acked record stored after the restart", async () => {
      const r = await containerLines(url(), name);
      return r.length > 0 ? r : undefined;
    });
    expect(rows.map((r) => [r.body, r.stream])).toEqual([[`survives ${name}`, "stdout"]]);
  });
});
