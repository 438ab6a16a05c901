// A stored death wakes the incident detector: its OOM incident is written as soon as the batch
// holding Docker's oom and die events is committed, not at the detector's next run (an hour away
// here), so the incident list and `why` name it while the death is fresh.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncidentsAnswer } from "../../protocol/api/incidents.ts";
import type { EventRecord } from "../../protocol/records.ts";
import { startWithDetectorInterval } from "../helpers/aggregator-detector-interval.ts";
import { rememberToken } from "../helpers/api.ts";
import { postBatch } from "../helpers/ingest.ts";
import {
  adminToken,
  type FleetscopeProcess,
  freePort,
  getJson,
  ingestTokenFor,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const HOUR_MS = 3600_000;

/** Docker's oom event and the die it caused, a moment ago, for container `name`. */
function oomDeath(name: string, idChar: string): EventRecord[] {
  const event = (action: string, msAgo: number, exitCode: number | null): EventRecord => ({
    kind: "event",
    time: new Date(Date.now() - msAgo).toISOString(),
    host: "h1",
    type: "container",
    action,
    containerId: idChar.repeat(64),
    containerName: name,
    image: "app:1",
    exitCode,
    attributes: {},
  });
  return [event("oom", 20, null), event("die", 10, 137)];
}

describe("a stored death wakes the incident detector", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let proc: FleetscopeProcess;
  let url: string;

  beforeAll(async () => {
    dir = await tempDir("incident-wake");
    const port = await freePort();
    proc = await startWithDetectorInterval(dir.path, port, HOUR_MS);
    url = `http://127.0.0.1:${port}`;
    rememberToken(url, await adminToken(dir.path));
  });

  afterAll(async () => {
    await proc?.stop();
    await dir?.remove();
  });

  // By kind, not by container: the route asks the inventory for a name, and these have none.
  const oomIncidents = async (name: string) =>
    (await getJson<IncidentsAnswer>(url, "/api/v1/incidents?kind=oom")).incidents.filter(
      (i) => i.containerName === name,
    );

  it("writes each death's OOM incident after its batch, though the next interval is an hour away", async () => {
    // The first death may meet the run the detector makes at start; the second comes after that
    // run has written the first, so only a wake can find it within the hour.
    for (const [name, idChar] of [
      ["first-oom", "a"],
      ["second-oom", "b"],
    ] as const) {
      // As a collector sends it: the wake comes from inside a request limited to its log set.
      await postBatch(url, oomDeath(name, idChar), await ingestTokenFor(url));
      const [incident] = await waitFor(`${name}'s incident`, async () => {
        const found = await oomIncidents(name);
        return found.length > 0 ? found : undefined;
      });
      expect(incident?.summary).toBe(`${name} was OOM-killed (exit 137)`);
    }
  });
});
