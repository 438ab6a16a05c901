// "Why did it die?" in one call and one command: the OOM-killed container's death, its last
// lines, its memory climbing to the limit — still answered after `docker rm`.
import { describe, expect, it } from "vitest";
import { renderWhy } from "../../cli/render/why-text.ts";
import type { WhyAnswer } from "../../protocol/api/why.ts";
import { rfc3339ToNanos } from "../../protocol/time.ts";
import { whyLines } from "../../tui/views/why.ts";
import { apiFetch } from "../helpers/api.ts";
import { runCli } from "../helpers/cli.ts";
import { BUSYBOX, docker, runUntilOomKilled, uniqueName } from "../helpers/docker.ts";
import { getJson, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const MiB = 1024 * 1024;

interface Why {
  host: string;
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
  memory: {
    sampledPeakBytes: number | null;
    maxUsageBytes: number | null;
    killedAtBytes: number | null;
    sampleIntervalMs: number | null;
    note: string | null;
  };
  lastLogs: { body: string; stream: string }[];
  samples: { memoryWorkingSetBytes: number }[];
  hostEvents: {
    time: string;
    containerId: string;
    containerName: string;
    action: string;
    exitCode: number | null;
    count: number;
  }[];
  hiddenExecEvents: number;
}

describe("why did it die", () => {
  const oom = uniqueName("why-oom");
  const stopped = uniqueName("why-stop");
  const burst = uniqueName("why-burst");
  const healthy = uniqueName("why-healthy");
  const failed = uniqueName("why-failed");
  const victim = uniqueName("why-victim");
  const up = useUpStack("why", [oom, stopped, burst, healthy, failed, victim]);

  const why = (c: string, query = "") => getJson<Why>(up.url, `/api/v1/why?container=${c}${query}`);
  const screenText = (a: Why) =>
    whyLines(a as unknown as WhyAnswer, 100)
      .map((line) => line.map((s) => s.text).join(""))
      .join("\n");

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
    const cli = async (...args: string[]) => {
      const r = await runCli(["why", oom, "--url", up.url, ...args]);
      expect(r.stderr).toBe("");
      return r;
    };
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
    // Docker sends kill, die, then stop: an answer computed between die and stop sees the kill
    // only, so wait for the stop to be stored.
    const answer = await waitFor("the stop explained", async () => {
      const a = await why(stopped).catch(() => undefined);
      return a?.event.cause.includes("docker stop") ? a : undefined;
    });
    expect(answer.event.stoppedByPerson).toBe(true);
    expect(answer.event.oomKilled).toBe(false);
    expect(answer.event.cause).toBe("stopped through Docker (docker stop)");
  });

  it("says why the samples read lower than the kernel's figure when the kill came between samples", async () => {
    // Quiet for 2 s (samples every second read a few hundred KiB), then `tail /dev/zero` fills the
    // 16 MiB limit within milliseconds: no sample sees it, the kernel's report does.
    await runUntilOomKilled(burst, ["sh", "-c", "sleep 2; exec tail /dev/zero"]);
    const a = await waitFor("the burst's death with the kernel's figure", async () => {
      const w = await why(burst).catch(() => undefined);
      return w?.event.oomKill && w.samples.length >= 2 ? w : undefined;
    });
    expect(a.memory.killedAtBytes).toBe(a.event.oomKill?.usageBytes);
    // The kernel's usage at the kill: at or a little under the limit (15.8 MiB seen on a busy machine).
    expect(a.memory.killedAtBytes).toBeGreaterThan(15 * MiB);
    expect(a.memory.sampledPeakBytes).toBeLessThan(0.95 * (a.memory.killedAtBytes ?? 0));
    // The cgroup's high-water mark (v1 max_usage_in_bytes) at the last sample: at least the sampled peak.
    expect(a.memory.maxUsageBytes ?? 0).toBeGreaterThanOrEqual(a.memory.sampledPeakBytes ?? 0);
    expect(a.memory.sampleIntervalMs).toBeGreaterThanOrEqual(900);
    const note =
      /the samples read lower than the kernel's figure at the kill: sampled about every (1(\.\d)? s|900 ms); the kill came between samples, (\d+ ms|[\d.]+ s) after the last one/;
    expect(a.memory.note).toMatch(note);
    const cli = renderWhy(a as unknown as WhyAnswer);
    expect(cli).toMatch(
      /cgroup max usage [\d.]+ MiB; +at the kill 1[56]\.\d MiB of 16\.0 MiB \(the kernel's figure\)/,
    );
    expect(cli).toMatch(note);
    const tui = screenText(a);
    expect(tui).toMatch(/at the kill 1[56]\.\dM of 16\.0M \(the kernel's figure\)/);
    expect(tui).toMatch(note);
  });

  it("lists what happened on the host just before a death, repeats collapsed, health-check execs left out unless asked", async () => {
    await docker(
      "run",
      "-d",
      "--name",
      healthy,
      "--health-cmd",
      "true",
      // Often enough that some checks follow each other with no event of another container
      // between them (other test files start containers on the same engine meanwhile).
      "--health-interval",
      "300ms",
      BUSYBOX,
      "sleep",
      "600",
    );
    await waitFor("a few health checks stored", async () => {
      const { events } = await getJson<{ events: unknown[] }>(
        up.url,
        `/api/v1/events?container=${healthy}&action=exec_start&since=5m`,
      );
      return events.length >= 4;
    });
    await docker("run", "--name", failed, BUSYBOX, "sh", "-c", "exit 3").catch(() => undefined);
    await docker("run", "--name", victim, BUSYBOX, "sh", "-c", "sleep 1; exit 4").catch(() => undefined);
    const a = await waitFor("the victim's death", async () => {
      const w = await why(victim).catch(() => undefined);
      return w?.event.exitCode === 4 && w.hostEvents.some((e) => e.containerName === failed) ? w : undefined;
    });
    const death = rfc3339ToNanos(a.event.time) ?? 0n;
    const times = a.hostEvents.map((e) => rfc3339ToNanos(e.time) ?? 0n);
    expect(times.every((t, i) => i === 0 || t <= (times[i - 1] as bigint))).toBe(true); // newest first
    expect(times.every((t) => t >= death - 300_000_000_000n && t <= death + 5_000_000_000n)).toBe(true);
    expect(a.hostEvents.filter((e) => e.action.startsWith("exec_"))).toEqual([]);
    expect(a.hiddenExecEvents).toBeGreaterThanOrEqual(8); // create + start + die of ≥ 4 checks, at least
    expect(a.hostEvents).toContainEqual(
      expect.objectContaining({ containerName: failed, action: "die", exitCode: 3 }),
    );
    expect(a.hostEvents.some((e) => e.containerName === victim)).toBe(false); // its own are its history
    const key = (e: Why["hostEvents"][number]) => `${e.containerId} ${e.action} ${e.exitCode}`;
    expect(a.hostEvents.filter((e, i) => i > 0 && key(e) === key(a.hostEvents[i - 1] as typeof e))).toEqual(
      [],
    );
    expect(renderWhy(a as unknown as WhyAnswer)).toMatch(
      /\d+ exec events \(health checks, docker exec\) left out; --execs shows them/,
    );

    const withExecs = await why(victim, "&execs=true");
    const checks = withExecs.hostEvents.filter(
      (e) => e.containerName === healthy && e.action === "exec_start",
    );
    const total = checks.reduce((n, e) => n + e.count, 0);
    expect(total).toBeGreaterThanOrEqual(4);
    expect(checks.length).toBeLessThan(total); // consecutive checks became one entry with a count
    expect(withExecs.hiddenExecEvents).toBe(0);
    expect(renderWhy(withExecs as unknown as WhyAnswer)).toMatch(new RegExp(`exec_start ×\\d+ +${healthy}`));
  });

  it("says so when nothing died, and names an unknown container as such", async () => {
    const unknown = await apiFetch(up.url, `/api/v1/why?container=never-existed-${oom}`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatch(
      /^unknown container "never-existed-.*"; known containers like it: .*why-oom/,
    );
    // A container that is running and never died (started here when this test runs alone).
    await docker("run", "-d", "--name", healthy, BUSYBOX, "sleep", "600").catch(() => undefined);
    const error = await waitFor("the running container known", async () => {
      const res = await apiFetch(up.url, `/api/v1/why?container=${healthy}`);
      const body = await res.json();
      return res.status === 404 && !/^unknown container/.test(body.error) ? body.error : undefined;
    });
    expect(error).toMatch(/no death of .* is recorded/);
  });
});
