// "Why did it die?" in one call and one command: the OOM-killed container's death, its last
// lines, its memory climbing to the limit — still answered after `docker rm`.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BUSYBOX, docker, runUntilOomKilled, uniqueName } from "../helpers/docker.ts";
import { getJson, REPO, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const exec = promisify(execFile);
const MiB = 1024 * 1024;

interface Why {
  event: {
    exitCode: number;
    signal: string | null;
    oomKilled: boolean;
    cause: string;
    time: string;
    stoppedByPerson: boolean;
    ranForMs: number | null;
    oomKill: { process: string; pid: number; usageBytes: number; limitBytes: number } | null;
  };
  memoryLimitBytes: number;
  lastLogs: { body: string; stream: string }[];
  samples: { memoryWorkingSetBytes: number }[];
}

describe("why did it die", () => {
  const oom = uniqueName("why-oom");
  const stopped = uniqueName("why-stop");
  const up = useUpStack("why", [oom, stopped]);

  const why = (c: string) => getJson<Why>(up.url, `/api/v1/why?container=${c}`);

  it("explains an OOM kill: event, exit 137, the last lines in order, memory rising to the limit", async () => {
    // Prints three lines, then grows a shell variable by 200 KiB every 100 ms until the 16 MiB limit.
    const grow = `x=; while :; do x="$x$(dd if=/dev/zero bs=1k count=200 2>/dev/null | tr "\\000" a)"; usleep 100000; done`;
    await runUntilOomKilled(oom, ["sh", "-c", `echo why-1; echo why-2; echo why-3 >&2; ${grow}`]);
    const answer = await waitFor("the death explained with its lines", async () => {
      const a = await why(oom).catch(() => undefined);
      return a && a.lastLogs.length >= 3 && a.event.oomKilled && a.event.oomKill ? a : undefined;
    });
    expect(answer.event).toMatchObject({ exitCode: 137, signal: "SIGKILL", oomKilled: true });
    // The kernel's report names the process it killed (the shell growing its variable).
    expect(answer.event.oomKill).toMatchObject({ process: "sh", limitBytes: 16 * MiB });
    expect(answer.event.ranForMs).toBeGreaterThan(500); // it grew for a while before dying
    expect(answer.event.cause).toMatch(/OOM kill/);
    expect(answer.memoryLimitBytes).toBe(16 * MiB);
    expect(answer.lastLogs.filter((l) => l.stream === "stdout").map((l) => l.body)).toEqual([
      "why-1",
      "why-2",
    ]);
    expect(answer.lastLogs.map((l) => l.body).sort()).toEqual(["why-1", "why-2", "why-3"]);
    const mem = answer.samples.map((s) => s.memoryWorkingSetBytes);
    expect(mem.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...mem)).toBeGreaterThan(Math.min(...mem) + 2 * MiB); // it climbed

    await docker("rm", oom);
    const after = await why(oom);
    expect(after.event).toEqual(answer.event);
    expect(after.lastLogs.map((l) => l.body)).toEqual(answer.lastLogs.map((l) => l.body));
  });

  it("prints it for a terminal and as JSON with `fleetscope why`", async () => {
    const cli = (...args: string[]) =>
      exec(process.execPath, [`${REPO}/cli/fleetscope.ts`, "why", oom, "--url", up.url, ...args]);
    const { stdout } = await cli();
    expect(stdout).toContain(`${oom} (${BUSYBOX})`);
    expect(stdout).toMatch(/cause: +OOM kill/);
    expect(stdout).toMatch(/exit code: 137 \(SIGKILL\) +OOMKilled: yes/);
    expect(stdout).toMatch(/memory \(working set\) against its limit 16\.0 MiB/);
    expect(stdout).toMatch(/stdout +why-2/);
    const json = JSON.parse((await cli("-o", "json")).stdout);
    expect(json.event.exitCode).toBe(137);
  });

  it("tells a `docker stop` apart from a crash", async () => {
    await docker("run", "-d", "--name", stopped, BUSYBOX, "sleep", "600");
    await docker("stop", "-t", "1", stopped);
    const answer = await waitFor(
      "the stop explained",
      async () => (await why(stopped).catch(() => undefined)) || undefined,
    );
    expect(answer.event.stoppedByPerson).toBe(true);
    expect(answer.event.oomKilled).toBe(false);
    expect(answer.event.cause).toBe("stopped through Docker (docker stop)");
  });

  it("says so when nothing died", async () => {
    const res = await fetch(`${up.url}/api/v1/why?container=never-existed-${oom}`);
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/no death of .* is recorded/);
  });
});
