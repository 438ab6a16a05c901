// Spine test 1: a container's stdout and stderr lines all reach the store, under its name,
// with the right stream, in order.
import { appendFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import {
  bothStreamsScript,
  containerLines,
  numbersByStream,
  numbersOf,
  oneTo,
  printLinesScript,
  storedLineCount,
} from "../helpers/numbered-lines.ts";
import { metricTotal, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 500;

describe("container logs through the whole pipeline", () => {
  const name = uniqueName("logs");
  const marker = `marker-${name}`;
  const up = useUpStack("logs", [name]);

  it("stores every stdout and stderr line with container name and stream, in order", async () => {
    const script = bothStreamsScript(marker, N);
    await docker("run", "--name", name, BUSYBOX, "sh", "-c", script);

    const rows = await waitFor("all lines stored", async () => {
      const r = await containerLines(up.url, name);
      return r.length >= 2 * N ? r : undefined;
    });
    expect(rows).toHaveLength(2 * N);
    expect(new Set(rows.map((r: LogLine) => r.containerName))).toEqual(new Set([name]));
    expect(numbersByStream(rows, marker)).toEqual({ stdout: oneTo(N), stderr: oneTo(N) });
    // Across streams Docker stamps lines when its copier reads each pipe, so only the order
    // within a stream is the container's own.
  });

  it("counts the lines that match, per stream", async () => {
    const count = (extra: string) => storedLineCount(up.url, name, extra);
    expect([await count(""), await count("&stream=stdout"), await count("&stream=stderr")]).toEqual([
      2 * N,
      N,
      N,
    ]);
    // …and the collector counted them as read and shipped under their source.
    const metrics = await (await apiFetch(up.url, "/metrics")).text();
    for (const what of ["read", "shipped"]) {
      const re = new RegExp(
        `^fleetscope_collector_records_${what}_total\\{source="docker-json"\\} (\\d+)$`,
        "m",
      );
      expect(Number(re.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2 * N);
    }
  });

  it("filters by stream and by text", async () => {
    // Quoted, the words are one phrase (unquoted, each word would be looked for on its own).
    const { logs } = await (
      await apiFetch(
        up.url,
        `/api/v1/logs?container=${name}&stream=stderr&q=${encodeURIComponent(`"${marker} err 42"`)}&since=1h`,
      )
    ).json();
    expect(logs.map((l: LogLine) => l.body).sort()).toEqual(
      [
        `${marker} err 42`,
        `${marker} err 420`,
        `${marker} err 421`,
        `${marker} err 422`,
        `${marker} err 423`,
        `${marker} err 424`,
        `${marker} err 425`,
        `${marker} err 426`,
        `${marker} err 427`,
        `${marker} err 428`,
        `${marker} err 429`,
      ].sort(),
    );
  });

  it("follows rotation and merges Docker's 16 KiB pieces back into one line", async () => {
    const rotating = `${name}-rot`;
    const long = "x".repeat(40_000);
    // 3000 lines of ~80 bytes with max-size=50k: a rotation every ~600 lines, and one 40 000-char
    // line (three 16 KiB pieces in the json-file) in the middle.
    const script = `${printLinesScript(`${marker} rot`, 1500, { sleepEvery: 100, sleepUs: 20_000 })}; echo ${long}; ${printLinesScript(`${marker} rot2`, 1500, { sleepEvery: 100, sleepUs: 20_000 })}`;
    await docker(
      "run",
      "--name",
      rotating,
      "--log-opt",
      "max-size=50k",
      "--log-opt",
      "max-file=5",
      BUSYBOX,
      "sh",
      "-c",
      script,
    );
    try {
      const rows = await waitFor("all rotated lines stored", async () => {
        const r = await containerLines(up.url, rotating);
        return r.length >= 3001 ? r : undefined;
      });
      expect(rows).toHaveLength(3001);
      const seq = Array.from({ length: 1500 }, (_, i) => i + 1);
      expect(numbersOf(rows, `${marker} rot`)).toEqual(seq);
      expect(numbersOf(rows, `${marker} rot2`)).toEqual(seq);
      expect(rows[1500]?.body).toBe(long);
    } finally {
      await docker("rm", "-f", rotating);
    }
  });

  it("skips a corrupt json-file line, counts it in /metrics and keeps reading", async () => {
    const ticking = `${name}-tick`;
    await docker(
      "run",
      "-d",
      "--name",
      ticking,
      BUSYBOX,
      "sh",
      "-c",
      `i=0; while :; do i=$((i+1)); echo "${marker} tick $i"; usleep 100000; done`,
    );
    try {
      const logPath = await docker("inspect", "-f", "{{.LogPath}}", ticking);
      await waitFor("ticks stored", async () => (await containerLines(up.url, ticking)).length >= 3);
      await appendFile(logPath, '{"log":"half a record\\n","stream":\n'); // bad JSON, one whole line
      await waitFor(
        "the bad line counted",
        async () =>
          (await metricTotal(
            up.url,
            "fleetscope_collector_input_rejected_total",
            'component="docker-json"',
          )) === 1,
      );
      const before = (await containerLines(up.url, ticking)).length;
      await waitFor(
        "ticks still stored after it",
        async () => (await containerLines(up.url, ticking)).length >= before + 3,
      );
    } finally {
      await docker("rm", "-f", ticking);
    }
  });

  it("answers bad query arguments with a 400 and a message", async () => {
    const res = await apiFetch(up.url, "/api/v1/logs?since=yesterday-ish");
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatch(/since.*RFC 3339.*relative/);
  });
});
