// One Prometheus target for the fleet: the aggregator's /metrics/fleet renders every host's
// containers in cAdvisor's names from the store, each series with a `host` label.
import { beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { PROMTOOL, runWithInput } from "../helpers/run.ts";
import { useFleetStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

describe("fleet-wide /metrics on the aggregator", () => {
  const name = uniqueName("fleet");
  // Two collectors as two hosts (both see this machine's containers).
  const fleet = useFleetStack("fleet-metrics", ["node-a", "node-b"], [name]);

  beforeAll(async () => {
    await docker("run", "-d", "--name", name, "--memory", "24m", BUSYBOX, "sleep", "600");
  });

  it("shows each host's containers and machines with a host label, and lints clean", async () => {
    const text = await waitFor("the container from both hosts", async () => {
      const res = await apiFetch(fleet.url, "/metrics/fleet");
      const t = await res.text();
      const both = ["node-a", "node-b"].every((h) =>
        new RegExp(
          `^container_spec_memory_limit_bytes\\{host="${h}",id="/docker/[0-9a-f]{64}",image="${BUSYBOX}",name="${name}"\\} 25165824$`,
          "m",
        ).test(t),
      );
      return both ? t : undefined;
    });
    expect(text).toMatch(/^machine_cpu_cores\{host="node-a"\} \d+$/m);
    expect(text).toMatch(/^machine_cpu_cores\{host="node-b"\} \d+$/m);
    expect(text).toMatch(
      new RegExp(`^container_cpu_usage_seconds_total\\{host="node-a",.*name="${name}",cpu="total"\\} `, "m"),
    );
    const lint = await runWithInput(PROMTOOL, ["check", "metrics"], text);
    expect(lint.output).toBe("");
    expect(lint.code).toBe(0);
  });

  it("counts a restarting container's OOM kills and shows its last start, not its creation", async () => {
    // OOM-killed a second after each start (its main process: the container dies), started again
    // by Docker: the sample before a kill never sees it, the die comes first.
    const oomer = uniqueName("fleet-oom");
    await docker(
      ...["run", "-d", "--name", oomer, "--restart", "always", "--memory", "16m", "--memory-swap", "16m"],
      ...[BUSYBOX, "sh", "-c", "sleep 1; exec tail /dev/zero"],
    );
    try {
      const created = Date.parse(await docker("inspect", "-f", "{{.Created}}", oomer)) / 1000;
      const series = (text: string, metric: string) =>
        Number(
          new RegExp(`^${metric}\\{host="node-a",[^}]*name="${oomer}"\\} (\\S+)$`, "m").exec(text)?.[1] ??
            NaN,
        );
      await waitFor(
        "OOM kills counted and a start after the creation",
        async () => {
          const text = await (await apiFetch(fleet.url, "/metrics/fleet")).text();
          return series(text, "container_oom_events_total") >= 1 &&
            series(text, "container_start_time_seconds") > Math.floor(created) + 1
            ? true
            : undefined;
        },
        { timeoutMs: 90_000 },
      );
    } finally {
      await removeContainers(oomer);
    }
  });

  it("drops a removed container at once, and one whose samples stopped coming", async () => {
    await docker("rm", "-f", name);
    await waitFor("both hosts' inventories to say removed", async () => {
      const res = await apiFetch(fleet.url, `/api/v1/containers/${name}`);
      const { containers = [] } = (await res.json()) as { containers?: { state: string }[] };
      return containers.length === 2 && containers.every((c) => c.state === "removed");
    });
    // Its last sample is still within the default 60 s window; it uses nothing any more.
    const afterRm = await (await apiFetch(fleet.url, "/metrics/fleet")).text();
    expect(afterRm).not.toContain(`name="${name}"`);
    const res = await apiFetch(fleet.url, "/metrics/fleet?window=5");
    const t = await waitFor("the removed container gone from a 5 s window", async () => {
      const text = await (await apiFetch(fleet.url, "/metrics/fleet?window=5")).text();
      return text.includes(`name="${name}"`) ? undefined : text;
    });
    expect(res.status).toBe(200);
    expect(t).toMatch(/^machine_memory_bytes\{host="node-a"\} \d+$/m);
  });
});
