// Docker's `local` log driver: lines are read through the Docker API with a persisted `since`
// cursor. Every line arrives in order with its stream; a collector killed mid-stream and started
// again stores the rest without a duplicate or a gap, and does not re-read finished containers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import {
  bothStreamsScript,
  containerLines,
  numbersByStream,
  oneTo,
  printLinesScript,
  storedLineCount,
  storedNumbersOnceDrained,
  tally,
} from "../helpers/numbered-lines.ts";
import {
  type FleetscopeProcess,
  freePort,
  startAggregator,
  startCollector,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 300;
const SLOW_N = 6000;
const FLAGS = ["--no-journal", "--metrics-listen", "off"];

describe("the local log driver, through the Docker API", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let aggregator: FleetscopeProcess;
  let collector: FleetscopeProcess | undefined;
  let url: string;
  const name = uniqueName("local");
  const slow = `${name}-slow`;
  const marker = `marker-${name}`;
  const count = (container: string) => storedLineCount(url, container);

  beforeAll(async () => {
    dir = await tempDir("local-driver");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    aggregator = await startAggregator(`${dir.path}/agg`, port);
    collector = await startCollector(url, `${dir.path}/spool`, FLAGS);
  });
  afterAll(async () => {
    await removeContainers(name, slow);
    await collector?.stop();
    await aggregator?.stop();
    await dir?.remove();
  });

  it("stores every stdout and stderr line of a local-driver container, in order, with its stream", async () => {
    const script = bothStreamsScript(marker, N);
    await docker("run", "--log-driver", "local", "--name", name, BUSYBOX, "sh", "-c", script);
    expect(await docker("inspect", "-f", "{{.HostConfig.LogConfig.Type}}", name)).toBe("local");

    const rows = await waitFor("all lines stored", async () => {
      const r = await containerLines(url, name);
      return r.length >= 2 * N ? r : undefined;
    });
    expect(rows).toHaveLength(2 * N);
    expect(new Set(rows.map((r: LogLine) => `${r.containerName} ${r.source}`))).toEqual(
      new Set([`${name} docker-local`]),
    );
    expect(numbersByStream(rows, marker)).toEqual({ stdout: oneTo(N), stderr: oneTo(N) });
  });

  it("resumes after a collector SIGKILL without duplicates or gaps", async () => {
    const script = printLinesScript(`${marker} slow`, SLOW_N, { sleepEvery: 100, sleepUs: 75_000 });
    await docker("run", "-d", "--log-driver", "local", "--name", slow, BUSYBOX, "sh", "-c", script);
    await waitFor("some lines stored", async () => (await count(slow)) >= 500);

    const killed = await (collector as FleetscopeProcess).stop("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    expect(await count(slow)).toBeLessThan(SLOW_N); // the kill really was mid-stream
    await docker("wait", slow); // the rest is printed while no collector runs

    const spool = `${dir.path}/spool`;
    collector = await startCollector(url, spool, FLAGS);
    const numbers = await storedNumbersOnceDrained(url, slow, `${marker} slow`, SLOW_N, spool);
    expect(tally(numbers, SLOW_N)).toEqual({ distinct: SLOW_N, duplicates: 0, missing: 0 });
    expect(await count(slow)).toBe(SLOW_N);
    // The finished container of the first test was not read again.
    expect(await count(name)).toBe(2 * N);
  });

  it("resumes after a clean restart with nothing new, storing nothing twice", async () => {
    await (collector as FleetscopeProcess).stop();
    collector = await startCollector(url, `${dir.path}/spool`, FLAGS);
    await docker("start", name); // prints its 2N lines once more: those are new
    await waitFor("the second run stored", async () => (await count(name)) >= 4 * N);
    // Give a re-read (the bug this guards against) every chance to show up before counting.
    await waitFor(
      "the spool drained",
      async () => (await count(slow)) === SLOW_N && (await count(name)) === 4 * N,
    );
    expect([await count(name), await count(slow)]).toEqual([4 * N, SLOW_N]);
  });
});
