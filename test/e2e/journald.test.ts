// Spine test 5: a journal line written with systemd-cat and a container on Docker's journald
// log driver are both queryable; the container's lines under its own name and streams.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { containerLines } from "../helpers/numbered-lines.ts";
import { getJson, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const exec = promisify(execFile);

describe("journald", () => {
  const name = uniqueName("journald");
  const up = useUpStack("journald", [name]);

  it("stores a systemd-cat line with its identifier and priority", async () => {
    const marker = `journal-marker-${name}`;
    const tag = `fs-${name}`.slice(0, 30);
    const child = exec("systemd-cat", ["-t", tag, "-p", "warning"]);
    child.child.stdin?.end(`${marker}\n`);
    await child;
    const [line] = await waitFor("the journal line", async () => {
      const { logs } = await getJson<{ logs: LogLine[] }>(up.url, `/api/v1/logs?q=${marker}&since=10m`);
      return logs.length > 0 ? logs : undefined;
    });
    expect(line).toMatchObject({ source: "journald", identifier: tag, body: marker, severityNumber: 13 });
    // And the priority filter keeps it (warning) but a stricter one (err) does not.
    const warn = await getJson<{ logs: LogLine[] }>(up.url, `/api/v1/logs?q=${marker}&priority=4&since=10m`);
    const err = await getJson<{ logs: LogLine[] }>(up.url, `/api/v1/logs?q=${marker}&priority=3&since=10m`);
    expect([warn.logs.length, err.logs.length]).toEqual([1, 0]);
  });

  it("maps a journald-driver container's lines to its name and streams", async () => {
    await docker(
      "run",
      "--name",
      name,
      "--log-driver",
      "journald",
      BUSYBOX,
      "sh",
      "-c",
      "echo jd-out-1; echo jd-out-2; echo jd-err-1 >&2",
    );
    const rows = await waitFor("three container lines", async () => {
      const r = await containerLines(up.url, name);
      return r.length >= 3 ? r : undefined;
    });
    expect(rows.map((r) => [r.source, r.containerName, r.stream, r.body])).toEqual(
      expect.arrayContaining([
        ["journald", name, "stdout", "jd-out-1"],
        ["journald", name, "stdout", "jd-out-2"],
        ["journald", name, "stderr", "jd-err-1"],
      ]),
    );
    expect(rows).toHaveLength(3);
  });
});
