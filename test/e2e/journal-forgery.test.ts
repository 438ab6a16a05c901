// The journal takes any field from any local user (`logger --journald`). An unprivileged user
// (uid 65534) writing systemd's words about a unit and Docker's container fields forges neither:
// the line is nobody's container and raises no unit incident, and it is marked unverified; the
// same words from PID 1's cgroup (as root) do raise one, so the detector did look.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { uniqueName } from "../helpers/docker.ts";
import { sendFromCgroup } from "../helpers/journal-as-unit.ts";
import { getJson, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

type Incident = { unit: string; kind: string };
type Line = LogLine & { attributes: Record<string, string> };

/** `logger --journald` as uid/gid 65534 (nobody), fields from stdin. */
function loggerAsNobody(fields: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", "logger", "--journald"],
      (err) => (err ? reject(err) : resolve()),
    );
    child.stdin?.end(
      `${Object.entries(fields)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")}\n`,
    );
  });
}

describe("journal entries from an unprivileged user", () => {
  const up = useUpStack("journal-forgery");
  const incidentsOf = async (unit: string) =>
    (
      await getJson<{ incidents: Incident[] }>(up.url, "/api/v1/incidents?since=1h&kind=unit-failed")
    ).incidents.filter((i) => i.unit === unit);

  it("forge no container line and no unit incident, and are marked unverified", async () => {
    const forged = `${uniqueName("forged")}.service`;
    const marker = `forged-${randomUUID()}`;
    const fakeId = "f".repeat(64);
    await loggerAsNobody({
      MESSAGE: `${forged}: Main process exited, code=exited, status=1/FAILURE ${marker}`,
      UNIT: forged,
      SYSLOG_IDENTIFIER: "systemd",
      CONTAINER_NAME: "web-1",
      CONTAINER_ID_FULL: fakeId,
      CONTAINER_ID: fakeId.slice(0, 12),
      IMAGE_NAME: "nginx:latest",
      PRIORITY: "3",
    });
    await loggerAsNobody({ MESSAGE: `${forged}: Failed with result 'exit-code'. ${marker}`, UNIT: forged });
    const lines = await waitFor("both forged lines stored", async () => {
      const { logs } = await getJson<{ logs: Line[] }>(up.url, `/api/v1/logs?q=${marker}&since=10m`);
      return logs.length === 2 ? logs : undefined;
    });
    const withContainer = lines.find((l) => l.attributes["journal.container_name"]) as Line;
    expect([withContainer.containerId, withContainer.containerName, withContainer.image]).toEqual([
      "",
      "",
      "",
    ]);
    expect(withContainer.attributes).toMatchObject({
      "journal.container_name": "web-1",
      "journal.container_id": fakeId,
      "journal.image_name": "nginx:latest",
      "journal.uid": "65534",
    });
    expect(withContainer.attributes["journal.unverified"]?.split(",")).toContain("container");
    const byName = await getJson<{ logs: Line[] }>(
      up.url,
      `/api/v1/logs?container=web-1&q=${marker}&since=10m`,
    ).catch(() => ({ logs: [] }));
    expect(byName.logs).toEqual([]);

    // The same words from where PID 1 lives make an incident: once it is there, the detector has
    // seen the forged lines too.
    const real = `${uniqueName("real")}.service`;
    await sendFromCgroup("/init.scope", {
      UNIT: real,
      SYSLOG_IDENTIFIER: "systemd",
      MESSAGE: `${real}: Main process exited, code=exited, status=1/FAILURE`,
    });
    await sendFromCgroup("/init.scope", {
      UNIT: real,
      SYSLOG_IDENTIFIER: "systemd",
      MESSAGE: `${real}: Failed with result 'exit-code'.`,
    });
    await waitFor("the incident of PID 1's lines", async () => (await incidentsOf(real)).length === 1);
    expect(await incidentsOf(forged)).toEqual([]);
  });
});
