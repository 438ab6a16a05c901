// Incidents detected by the aggregator from the stored evidence, within seconds: an OOM kill, a
// crash loop (one incident, with its restart count), a failed systemd unit — and none for a
// container a person stopped.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BUSYBOX, docker, runUntilOomKilled, uniqueName } from "../helpers/docker.ts";
import { sendFromCgroup } from "../helpers/journal-as-unit.ts";
import { getJson, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

interface Incident {
  id: string;
  kind: string;
  status: string;
  containerName: string;
  unit: string;
  count: number;
  summary: string;
  evidence: Record<string, unknown>;
}

describe("incidents", () => {
  const oom = uniqueName("inc-oom");
  const loop = uniqueName("inc-loop");
  const stopped = uniqueName("inc-stop");
  const fence = uniqueName("inc-fence");
  const child = uniqueName("inc-child");
  const noisy = uniqueName("inc-noisy");
  const full = uniqueName("inc-full");
  const capped = uniqueName("inc-capped");
  const up = useUpStack("incidents", [oom, loop, stopped, fence, child, noisy, full, capped]);

  const incidentsOf = async (query: string) =>
    (await getJson<{ incidents: Incident[] }>(up.url, `/api/v1/incidents?since=1h&${query}`)).incidents;

  it("raises one OOM incident for a container killed at its memory limit", async () => {
    await runUntilOomKilled(oom);
    const [incident] = await waitFor("an oom incident", async () => {
      const list = await incidentsOf(`container=${oom}&kind=oom`);
      return list.length > 0 ? list : undefined;
    });
    expect(incident).toMatchObject({ kind: "oom", containerName: oom, count: 1 });
    const one = await getJson<Incident>(
      up.url,
      `/api/v1/incidents/${encodeURIComponent(incident?.id ?? "")}`,
    );
    expect((one.evidence.die as { exitCode: number }).exitCode).toBe(137);
    // The kernel's report (journal) joins the same incident: which process died, at what usage.
    const fused = await waitFor("the kernel's OOM report in the incident", async () => {
      const [latest] = await incidentsOf(`container=${oom}&kind=oom`);
      return (latest?.evidence.kernel as unknown[] | undefined)?.length ? latest : undefined;
    });
    expect(fused.id).toBe(incident?.id);
    expect(fused.evidence.kernel).toEqual([
      expect.objectContaining({ process: "tail", limitBytes: 16 * 1024 * 1024 }),
    ]);
    // The kernel's usage at the kill: at or a little under the 16 MiB limit (its reports on this
    // machine said 16384 kB most often, and 16144, 16188 or 16300 kB now and then).
    const [victim] = fused.evidence.kernel as { usageBytes: number }[];
    expect(victim?.usageBytes).toBeGreaterThanOrEqual(15 * 1024 * 1024);
    expect(victim?.usageBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(fused.summary).toMatch(/OOM-killed: tail \(pid \d+\) at 1[56]\.\d MiB of 16\.0 MiB \(exit 137\)/);
    // An OOM death is not reported again as a plain non-zero exit.
    expect(await incidentsOf(`container=${oom}&kind=exit`)).toEqual([]);
    // And `why` shows it beside the death.
    const why = await getJson<{ incidents: Incident[] }>(up.url, `/api/v1/why?container=${oom}`);
    expect(why.incidents.map((i) => i.id)).toContain(incident?.id);
  });

  it("raises an OOM incident when only a child process is killed and the container lives on", async () => {
    await docker(
      "run",
      "-d",
      "--name",
      child,
      "--memory",
      "16m",
      "--memory-swap",
      "16m",
      BUSYBOX,
      "sh",
      "-c",
      "tail /dev/zero; echo survived; sleep 600",
    );
    const [incident] = await waitFor("an oom incident for the child", async () => {
      const list = await incidentsOf(`container=${child}&kind=oom`);
      return list.length > 0 ? list : undefined;
    });
    expect(incident?.evidence.die).toBeNull();
    expect(incident?.summary).toMatch(/lives on/);
    expect(await docker("inspect", "-f", "{{.State.Running}}", child)).toBe("true");
  });

  it("folds a restart loop into one crash-loop incident with its restart count", async () => {
    await docker(
      "run",
      "-d",
      "--name",
      loop,
      "--restart",
      "always",
      BUSYBOX,
      "sh",
      "-c",
      "echo boom; exit 1",
    );
    const [incident] = await waitFor("a crash-loop incident with 3+ restarts", async () => {
      const list = await incidentsOf(`container=${loop}&kind=crash-loop`);
      return list.length > 0 && (list[0]?.count ?? 0) >= 3 ? list : undefined;
    });
    expect(incident).toMatchObject({ kind: "crash-loop", status: "open", containerName: loop });
    expect(incident?.summary).toMatch(/keeps dying/);
    // Docker sends no "restarted" event: the collector tells the daemon's starts from a person's.
    const [known] = await waitFor("the daemon's restarts counted in the inventory", async () => {
      const { containers } = await getJson<{ containers: { restarts: number; restartCount: number }[] }>(
        up.url,
        `/api/v1/containers/${loop}`,
      );
      return (containers[0]?.restarts ?? 0) >= 2 ? containers : undefined;
    });
    expect(known?.restartCount).toBeGreaterThanOrEqual(1);
    // The TUI's overview counts the same daemon restarts (not the person's first start).
    const { containers: overview } = await getJson<{ containers: { name: string; restarts: number }[] }>(
      up.url,
      "/api/v1/overview/containers",
    );
    expect(overview.find((c) => c.name === loop)?.restarts).toBeGreaterThanOrEqual(2);
    const { events } = await getJson<{ events: { attributes: Record<string, string> }[] }>(
      up.url,
      `/api/v1/events?container=${loop}&action=start&since=1h`,
    );
    const startedBy = events.map((e) => e.attributes.startedBy).reverse(); // oldest first
    expect(startedBy[0]).toBe("user"); // docker run
    expect(startedBy.slice(1).every((by) => by === "daemon")).toBe(true);
    await docker("rm", "-f", loop);
    // Its individual exits are folded into the loop, not listed as incidents of their own.
    const visible = await incidentsOf(`container=${loop}`);
    expect(visible.map((i) => i.kind)).toEqual(["crash-loop"]);
  });

  it("raises nothing for a container a person stopped", async () => {
    await docker("run", "-d", "--name", stopped, BUSYBOX, "sleep", "600");
    await docker("stop", "-t", "1", stopped); // SIGTERM ignored by sleep as PID 1, then SIGKILL: exit 137
    // A later, real failure as a fence: once its incident is there, the stop has been judged too.
    await docker("run", "--name", fence, BUSYBOX, "sh", "-c", "exit 3").catch(() => undefined);
    await waitFor(
      "the fence's exit incident",
      async () => (await incidentsOf(`container=${fence}&kind=exit`)).length === 1,
    );
    expect(await incidentsOf(`container=${stopped}`)).toEqual([]);
  });

  it("raises an error-burst incident when a container errors at 50× its own earlier rate", async () => {
    // ~36 s at one ERROR line every 2 s (5 per 10 s bucket), then 1000 at once.
    const slow = `i=0; while [ $i -lt 18 ]; do echo "ERROR slow $i"; echo "info fine"; sleep 2; i=$((i+1)); done`;
    const burst = `j=0; while [ $j -lt 1000 ]; do echo "ERROR burst $j"; j=$((j+1)); done; sleep 600`;
    await docker("run", "-d", "--name", noisy, BUSYBOX, "sh", "-c", `${slow}; ${burst}`);
    const [incident] = await waitFor(
      "an error-burst incident",
      async () => {
        const list = await incidentsOf(`container=${noisy}&kind=error-burst`);
        return list.length > 0 ? list : undefined;
      },
      { timeoutMs: 120_000 },
    );
    expect(incident?.count).toBeGreaterThanOrEqual(250);
    expect(incident?.summary).toMatch(/logged \d+ error lines/);
    // The slow, steady errors before it raised nothing.
    expect(await incidentsOf(`container=${noisy}`)).toHaveLength(1);
  });

  it("raises memory-pressure for a container held near its limit, and cpu-throttled for one capped by its quota", async () => {
    // 58 MiB in /dev/shm (tmpfs, charged to the container, not reclaimable without swap) of 64 MiB.
    await docker(
      "run",
      "-d",
      "--name",
      full,
      "--memory",
      "64m",
      "--memory-swap",
      "64m",
      BUSYBOX,
      "sh",
      "-c",
      "dd if=/dev/zero of=/dev/shm/x bs=1M count=58 2>/dev/null; sleep 600",
    );
    await docker("run", "-d", "--name", capped, "--cpus", "0.2", BUSYBOX, "sh", "-c", "while :; do :; done");
    const [pressure] = await waitFor("a memory-pressure incident", async () => {
      const list = await incidentsOf(`container=${full}&kind=memory-pressure`);
      return list.length > 0 ? list : undefined;
    });
    expect(pressure?.status).toBe("open");
    expect(pressure?.summary).toMatch(/held at 9\d % of its 64 MiB memory limit/);
    const [throttled] = await waitFor("a cpu-throttled incident", async () => {
      const list = await incidentsOf(`container=${capped}&kind=cpu-throttled`);
      return list.length > 0 ? list : undefined;
    });
    expect(throttled?.count).toBeGreaterThanOrEqual(3);
    // Neither container is flagged for the other's trouble.
    expect((await incidentsOf(`container=${full}`)).map((i) => i.kind)).toEqual(["memory-pressure"]);
    expect((await incidentsOf(`container=${capped}`)).map((i) => i.kind)).toEqual(["cpu-throttled"]);
  });

  it("raises one unit-failed incident for the unit systemd names, and files PID 1's lines under that unit", async () => {
    const unit = `${uniqueName("unit")}.service`;
    const invocation = randomUUID().replaceAll("-", "");
    // The unit's own line, then PID 1's two lines about its failure, each from the cgroup its real
    // writer lives in: journald stamps PID 1's with _SYSTEMD_UNIT=init.scope (see journal-as-unit.ts).
    await sendFromCgroup(`/system.slice/${unit}`, {
      MESSAGE: "cannot reach the database, exiting",
      SYSLOG_IDENTIFIER: "payd",
      PRIORITY: "3",
    });
    const systemd = {
      UNIT: unit,
      INVOCATION_ID: invocation,
      SYSLOG_IDENTIFIER: "systemd",
      SYSLOG_FACILITY: "3",
    };
    await sendFromCgroup("/init.scope", {
      ...systemd,
      MESSAGE: `${unit}: Main process exited, code=exited, status=1/FAILURE`,
      MESSAGE_ID: "98e322203f7a4ed290d09fe03c09fe15",
      PRIORITY: "5",
    });
    await sendFromCgroup("/init.scope", {
      ...systemd,
      MESSAGE: `${unit}: Failed with result 'exit-code'.`,
      MESSAGE_ID: "d9b373ed55a64feb8242e02dbe79a49c",
      PRIORITY: "4",
    });
    const [incident] = await waitFor("a unit-failed incident with both of systemd's lines", async () => {
      const list = (await incidentsOf("kind=unit-failed")).filter((i) => i.unit === unit);
      return (list[0]?.evidence.lines as unknown[] | undefined)?.length === 2 ? list : undefined;
    });
    expect((await incidentsOf("kind=unit-failed")).filter((i) => i.unit === unit)).toHaveLength(1);
    expect(incident?.summary.startsWith(`${unit} failed on `)).toBe(true);
    expect(incident?.summary).toMatch(
      /: its main process exited with status 1\/FAILURE \(result 'exit-code'\)$/,
    );
    expect((await incidentsOf("kind=unit-failed")).filter((i) => i.unit === "init.scope")).toEqual([]);
    // `logs unit:` finds what journalctl -u would: the unit's own line and PID 1's about it.
    const { logs } = await getJson<{ logs: { body: string; attributes: Record<string, string> }[] }>(
      up.url,
      `/api/v1/logs?unit=${encodeURIComponent(unit)}&since=1h`,
    );
    expect(logs.map((l) => l.body).sort()).toEqual(
      [
        "cannot reach the database, exiting",
        `${unit}: Failed with result 'exit-code'.`,
        `${unit}: Main process exited, code=exited, status=1/FAILURE`,
      ].sort(),
    );
    expect(logs.map((l) => l.attributes["journal.systemd_unit"]).sort()).toEqual(
      [unit, "init.scope", "init.scope"].sort(),
    );
  });
});
