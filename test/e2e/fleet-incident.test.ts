// The same image failing on two hosts (two collectors with their own host names, both on this
// machine) becomes one fleet-level incident linking the per-host ones.
import { describe, expect, it } from "vitest";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { getJson, useFleetStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

interface Incident {
  id: string;
  kind: string;
  host: string;
  image: string;
  count: number;
  evidence: { hosts?: string[]; incidents?: { id: string; host: string; kind: string }[] };
}

describe("fleet-level incidents", () => {
  const name = uniqueName("fleet-fail");
  const stack = useFleetStack("fleet-incident", ["node-a", "node-b"], [name]);

  it("links the per-host failures of one image into one fleet incident", async () => {
    await docker("run", "--name", name, BUSYBOX, "sh", "-c", "echo bad config; exit 2").catch(
      () => undefined,
    );
    const fleet = await waitFor("a fleet incident over both hosts", async () => {
      const { incidents } = await getJson<{ incidents: Incident[] }>(
        stack.url,
        "/api/v1/incidents?since=1h&kind=fleet",
      );
      return incidents.find((i) => i.image === BUSYBOX && i.count === 2);
    });
    expect(fleet.evidence.hosts).toEqual(["node-a", "node-b"]);
    const linked = fleet.evidence.incidents ?? [];
    expect(new Set(linked.map((l) => l.host))).toEqual(new Set(["node-a", "node-b"]));
    // Each linked id is a stored per-host incident.
    for (const l of linked) {
      const one = await getJson<Incident>(stack.url, `/api/v1/incidents/${l.id}`);
      expect(one).toMatchObject({ kind: l.kind, host: l.host, image: BUSYBOX });
    }
  });
});
