// Spine test 6: the die event with its exit code and the oom event of a container killed by its
// memory limit are stored — and still answer after `docker rm`, as does the inventory.
import { describe, expect, it } from "vitest";
import type { ContainerDetail } from "../../protocol/api/containers.ts";
import type { EventRow } from "../../protocol/api/events.ts";
import { BUSYBOX, docker, runUntilOomKilled, uniqueName } from "../helpers/docker.ts";
import { getJson, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

describe("docker events", () => {
  const oom = uniqueName("oom");
  const exit3 = uniqueName("exit3");
  const up = useUpStack("events", [oom, exit3]);

  const eventsOf = async (name: string) =>
    (await getJson<{ events: EventRow[] }>(up.url, `/api/v1/events?container=${name}&since=1h`)).events;

  it("stores die with the exit code", async () => {
    await docker("run", "--name", exit3, BUSYBOX, "sh", "-c", "exit 3").catch(() => undefined);
    const events = await waitFor("a die event", async () => {
      const e = await eventsOf(exit3);
      return e.some((x) => x.action === "die") ? e : undefined;
    });
    expect(events.find((e) => e.action === "die")?.exitCode).toBe(3);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["create", "start", "die"]));
  });

  it("stores oom and die 137 for a container killed by its memory limit, and keeps them after docker rm", async () => {
    await runUntilOomKilled(oom);
    const inspect = JSON.parse(await docker("inspect", oom))[0];
    expect(inspect.State.OOMKilled).toBe(true);
    await waitFor("oom and die events", async () => {
      const actions = (await eventsOf(oom)).map((e) => e.action);
      return actions.includes("oom") && actions.includes("die");
    });
    await docker("rm", oom);

    const containers = await waitFor("the container marked removed", async () => {
      const { containers } = await getJson<{ containers: ContainerDetail[] }>(
        up.url,
        `/api/v1/containers/${oom}`,
      );
      return containers[0]?.state === "removed" ? containers : undefined;
    });
    expect(containers[0]).toMatchObject({
      name: oom,
      state: "removed",
      exitCode: 137,
      oomKilled: true,
      memoryLimitBytes: 16 * 1024 * 1024,
    });
    const events = await eventsOf(oom);
    expect(events.find((e) => e.action === "die")?.exitCode).toBe(137);
    expect(events.filter((e) => e.action === "oom")).toHaveLength(1);
    expect(events.map((e) => e.action)).toContain("destroy");
  });
});
