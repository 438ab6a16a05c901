// Secrets in command lines stay out of sight: a real container started with `--token S3CRET
// --password=hunter2 API_KEY=x` shows masks in its processes, the host-wide top, its own command
// (container details) and fleetscope top's processes view; a row an older collector stored
// unmasked is masked by the aggregator on the way out; a journal line's writer command line too.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { ProcessRecord } from "../../protocol/records.ts";
import { SECRET_MASK } from "../../protocol/secrets.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { postBatch } from "../helpers/ingest.ts";
import { getJson, useUpStack } from "../helpers/stack.ts";
import { renderTop } from "../helpers/tui.ts";
import { waitFor } from "../helpers/wait.ts";

const run = promisify(execFile);

type Row = { pid: number; cmdline: string; containerName: string; host: string };
const SECRETS = ["S3CRET", "hunter2", "API_KEY=x"];

describe("secret values in command lines", () => {
  const name = uniqueName("secret-args");
  const up = useUpStack("secrets", [name]);

  it("are masked in a container's processes, the top processes, its details and fleetscope top", async () => {
    // sh's own argv after the script: `sh -c SCRIPT sh --token S3CRET --password=hunter2 API_KEY=x`.
    await docker(
      "run",
      "-d",
      "--name",
      name,
      BUSYBOX,
      "sh",
      "-c",
      "while :; do sleep 1; done",
      "sh",
      "--token",
      "S3CRET",
      "--password=hunter2",
      "API_KEY=x",
    );
    const row = await waitFor("the shell among the container's processes", async () => {
      const r = await getJson<{ processes: Row[] }>(up.url, `/api/v1/containers/${name}/processes`);
      return r.processes.find((p) => p.cmdline.includes("--token"));
    });
    expect(row.cmdline).toContain(`--token ${SECRET_MASK} --password=${SECRET_MASK} API_KEY=${SECRET_MASK}`);
    for (const s of SECRETS) expect(row.cmdline).not.toContain(s);

    const top = await getJson<{ processes: Row[] }>(up.url, "/api/v1/processes/top?since=15m&limit=1000");
    const mine = top.processes.filter((p) => p.containerName === name);
    expect(mine.length).toBeGreaterThan(0);
    const text = JSON.stringify(top.processes);
    for (const s of ["S3CRET", "hunter2"]) expect(text).not.toContain(s);

    // The container's own command line, as `docker inspect` has it, is masked too.
    const details = await waitFor("the container's details", async () => {
      const r = await getJson<{ containers: { command: string }[] }>(up.url, `/api/v1/containers/${name}`);
      return r.containers[0]?.command ? r.containers[0] : undefined;
    });
    // Shell-quoted as `docker inspect` words would need ('--password=•••').
    for (const masked of [`--token ${SECRET_MASK}`, `--password=${SECRET_MASK}`, `API_KEY=${SECRET_MASK}`])
      expect(details.command).toContain(masked);
    for (const s of SECRETS) expect(details.command).not.toContain(s);

    // fleetscope top's processes view of the container, wide enough to show the whole line.
    const tui = renderTop(up.url, {
      view: "processes",
      ctx: { container: name, containerName: name },
      columns: 200,
    });
    try {
      const screen = await tui.until(`--token ${SECRET_MASK}`);
      for (const s of SECRETS) expect(screen).not.toContain(s);
      expect(screen).toContain(`--password=${SECRET_MASK}`);
    } finally {
      tui.unmount();
    }
  });

  it("are masked in a journal line's journal.cmdline (its writer's command line)", async () => {
    const marker = `secret-journal-${Date.now()}`;
    // systemd-cat execs the command on the journal stream: journald stamps its _CMDLINE.
    await run("systemd-cat", [
      "-t",
      "fs-secrets",
      "sh",
      "-c",
      `echo ${marker}; sleep 1`,
      "sh",
      "--password",
      "hunter2",
    ]);
    const [line] = await waitFor("the journal line", async () => {
      const r = await getJson<{ logs: { attributes: Record<string, string> }[] }>(
        up.url,
        `/api/v1/logs?q=${marker}&since=10m`,
      );
      return r.logs.length > 0 ? r.logs : undefined;
    });
    expect(line?.attributes["journal.cmdline"]).toContain(`--password ${SECRET_MASK}`);
    expect(JSON.stringify(line)).not.toContain("hunter2");
  });

  it("are masked on output in rows stored unmasked (an older collector)", async () => {
    const old: ProcessRecord = {
      kind: "process",
      time: new Date().toISOString(),
      host: "old-collector",
      containerId: "",
      containerName: "",
      image: "",
      pid: 4242,
      nsPid: 4242,
      ppid: 1,
      uid: 0,
      user: "root",
      command: "fleetscope",
      cmdline: "node fleetscope aggregator --token S3CRET --listen 0.0.0.0:8470 DB_PASSWORD=hunter2",
      state: "S",
      cpuPercent: 99,
      rssBytes: 1024,
      threads: 1,
      startTime: new Date(Date.now() - 60_000).toISOString(),
    };
    await postBatch(up.url, [old]);
    const top = await getJson<{ processes: Row[] }>(
      up.url,
      "/api/v1/processes/top?host=old-collector&since=15m&limit=100",
    );
    expect(top.processes.map((p) => p.cmdline)).toEqual([
      `node fleetscope aggregator --token ${SECRET_MASK} --listen 0.0.0.0:8470 DB_PASSWORD=${SECRET_MASK}`,
    ]);
  });
});
