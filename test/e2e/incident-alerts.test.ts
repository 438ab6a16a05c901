// Incidents pushed to Debian's real Alertmanager (routing to a webhook this test runs) and to the
// plain webhook, from a real `fleetscope up` watching real containers die.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncidentRow } from "../../protocol/api/incidents.ts";
import { IncidentWebhook } from "../../protocol/incident-webhook.ts";
import { SECRET_MASK } from "../../protocol/secrets.ts";
import {
  AM_BASIC_AUTH,
  type AmAlert,
  amAlerts,
  type JsonReceiver,
  type RunningAlertmanager,
  startAlertmanager,
  startJsonReceiver,
} from "../helpers/alertmanager.ts";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, removeContainers, runUntilOomKilled, uniqueName } from "../helpers/docker.ts";
import {
  type FleetscopeProcess,
  freePort,
  getJson,
  metricTotal,
  startUp,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const loop = uniqueName("am-loop");
const oom = uniqueName("am-oom");
const WEBHOOK_TOKEN = "webhook-test-secret";

let dir: { path: string; remove: () => Promise<void> };
let up: { proc: FleetscopeProcess; url: string };
let amPort: number;
let am: RunningAlertmanager | undefined;
/** The other of an HA pair, up all along. */
let twin: RunningAlertmanager | undefined;
let twinHook: JsonReceiver;
/** What Alertmanager sends on, and what fleetscope's own webhook sends. */
let amHook: JsonReceiver;
let plainHook: JsonReceiver;
/** Where plainHook listens once the first test starts it (down until then). */
let plainPort: number;

beforeAll(async () => {
  dir = await tempDir("alerts");
  amHook = await startJsonReceiver();
  plainPort = await freePort();
  amPort = await freePort();
  twinHook = await startJsonReceiver();
  const twinDir = join(dir.path, "twin");
  await mkdir(twinDir);
  // Both sit behind basic auth, given as credentials in their URLs (sent as a Basic header).
  twin = await startAlertmanager(twinDir, await freePort(), twinHook.url, { basicAuth: true });
  const tokenFile = join(dir.path, "webhook.token");
  await writeFile(tokenFile, `${WEBHOOK_TOKEN}\n`, { mode: 0o600 });
  up = await startUp(join(dir.path, "up"), [
    "--alertmanager-url",
    [`http://127.0.0.1:${amPort}`, twin.url].map(withCredentials).join(","),
    // Short test periods: re-send every 2 s, a point incident fires 5 s, a loop ends 6 s after its
    // last death (so a loop's alert ends when it does, past the 5 s).
    "--alertmanager-resend",
    "2s",
    "--alertmanager-min-firing",
    "5s",
    "--crash-loop-window",
    "6s",
    "--webhook-url",
    `http://127.0.0.1:${plainPort}/hook`,
    "--webhook-token-file",
    tokenFile,
  ]);
});

afterAll(async () => {
  await removeContainers(loop, oom);
  await up?.proc.stop();
  await am?.stop();
  await twin?.stop();
  await amHook?.close();
  await twinHook?.close();
  await plainHook?.close();
  await dir?.remove();
});

const withCredentials = (url: string) =>
  url.replace("//", `//${AM_BASIC_AUTH.user}:${AM_BASIC_AUTH.password}@`);

async function incidentOf(container: string, kind: string): Promise<IncidentRow> {
  return waitFor(`a ${kind} incident of ${container}`, async () => {
    const { incidents } = await getJson<{ incidents: IncidentRow[] }>(
      up.url,
      `/api/v1/incidents?container=${container}&kind=${kind}`,
    );
    return incidents[0];
  });
}

/** The first alert Alertmanager notified for `incident` in `status`. */
const notified = (incident: string, status: AmAlert["status"], hook = amHook) =>
  waitFor(
    `Alertmanager to notify ${incident} ${status}`,
    () => amAlerts(hook).find((a) => a.labels.incident === incident && a.status === status),
    { timeoutMs: 90_000 },
  );

/** Checks an alert's labels and links against the incident the API serves. */
async function expectAlertOf(alert: AmAlert, incident: IncidentRow): Promise<void> {
  expect(alert.labels).toMatchObject({
    alertname: "FleetscopeIncident",
    kind: incident.kind,
    host: incident.host,
    container: incident.containerName,
    image: BUSYBOX,
    severity: "warning",
    log_set: "default",
    incident: incident.id,
  });
  // The first version Alertmanager notified (an OOM's kernel details may come in a later one).
  expect(alert.annotations.summary).toContain(incident.containerName);
  expect(alert.generatorURL).toBe(`${up.url}/api/v1/incidents/${incident.id}`);
  // The why link is the API's answer about this very container.
  const why = new URL(alert.annotations.why ?? "");
  expect(why.searchParams.get("container")).toBe(incident.containerId);
  const res = await apiFetch(up.url, `${why.pathname}${why.search}`);
  expect(res.status).toBe(200);
  expect(JSON.stringify(await res.json())).toContain(incident.containerId);
}

describe("incidents as Alertmanager alerts", () => {
  it("sends a crash loop that opened while one Alertmanager of a pair was down: to the other at once, to it once up, then resolved", async () => {
    // Dies five times in a few seconds, then stays dead: a loop that opens, then ends.
    await docker(
      "run",
      "-d",
      "--name",
      loop,
      "--restart",
      "on-failure:4",
      BUSYBOX,
      "sh",
      "-c",
      "sleep 0.3; exit 3",
    );
    const incident = await incidentOf(loop, "crash-loop");
    await waitFor(
      "a failed push to the absent Alertmanager",
      async () =>
        (await metricTotal(up.url, "fleetscope_aggregator_notifications_total", 'outcome="failed"')) > 0,
    );
    // The other of the pair is not held up by the one that is down.
    await notified(incident.id, "firing", twinHook);
    expect(amHook.bodies).toEqual([]);
    // The webhook's receiver is down too: its changes wait and are retried.
    await waitFor(
      "a failed webhook POST",
      async () =>
        (await metricTotal(
          up.url,
          "fleetscope_aggregator_notifications_total",
          'notifier="webhook",outcome="failed"',
        )) > 0,
    );
    plainHook = await startJsonReceiver(plainPort);
    am = await startAlertmanager(dir.path, amPort, amHook.url, { basicAuth: true });
    await expectAlertOf(await notified(incident.id, "firing"), incident);
    const resolved = await notified(incident.id, "resolved");
    const ended = await incidentOf(loop, "crash-loop");
    expect(ended.status).toBe("resolved");
    expect(Date.parse(resolved.endsAt)).toBe(Date.parse(ended.ended ?? ""));
    expect(
      await metricTotal(up.url, "fleetscope_aggregator_notifications_total", 'outcome="sent"'),
    ).toBeGreaterThan(0);
  });

  it("never shows an Alertmanager's password: its failed pushes are logged with the URL masked", () => {
    const output = up.proc.stdout + up.proc.stderr;
    expect(output).toContain(`${AM_BASIC_AUTH.user}:${SECRET_MASK}@127.0.0.1:${amPort}`);
    expect(output).not.toContain(AM_BASIC_AUTH.password);
  });

  it("pages an OOM kill (over as it is found) for the minimum firing time, then resolves it", async () => {
    await waitFor("Alertmanager up", () => am !== undefined);
    await runUntilOomKilled(oom);
    const incident = await incidentOf(oom, "oom");
    await expectAlertOf(await notified(incident.id, "firing"), incident);
    await notified(incident.id, "resolved");
  });
});

describe("the plain webhook", () => {
  const events = (container: string) =>
    plainHook.bodies.filter(
      (b) => (b as IncidentWebhook).incident?.containerName === container,
    ) as IncidentWebhook[];

  it("posts each change as a body its schema accepts, as published in the OpenAPI document, with the bearer token", async () => {
    expect(plainHook.bodies.length).toBeGreaterThan(0);
    const openapi = await getJson<{ components: { schemas: Record<string, object> } }>(
      up.url,
      "/api/v1/openapi.json",
    );
    const published = openapi.components.schemas.IncidentWebhook;
    expect(published).toMatchObject({ properties: { event: { enum: ["opened", "changed", "resolved"] } } });
    // ajv, as fastify validates the API's schemas (the body's StringEnums are plain JSON-schema enums);
    // the published copy as a receiver would use it (OpenAPI 3.0's `nullable` is not JSON Schema's).
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const schema of [IncidentWebhook, published]) {
      const valid = ajv.compile({ ...schema, $id: undefined });
      for (const body of plainHook.bodies) expect(valid(body) || valid.errors).toBe(true);
    }
    expect(new Set(plainHook.authorizations)).toEqual(new Set([`Bearer ${WEBHOOK_TOKEN}`]));
  });

  it("tells a crash loop opened, then resolved", async () => {
    const loopEvents = await waitFor("the loop's resolved event", () => {
      const list = events(loop).filter((b) => b.incident.kind === "crash-loop");
      return list.at(-1)?.event === "resolved" ? list : undefined;
    });
    expect(loopEvents[0]?.event).toBe("opened");
    expect(loopEvents[0]?.incident.status).toBe("open");
    expect(loopEvents.slice(1, -1).every((b) => b.event === "changed")).toBe(true);
    expect(loopEvents.at(-1)?.incident.status).toBe("resolved");
    expect(loopEvents[0]?.links.why).toContain("/api/v1/why?container=");
  });

  it("tells an OOM kill opened and resolved at once, and later rewrites as changed", () => {
    const oomEvents = events(oom).filter((b) => b.incident.kind === "oom");
    expect(oomEvents.slice(0, 2).map((b) => b.event)).toEqual(["opened", "resolved"]);
    expect(oomEvents.slice(2).every((b) => b.event === "changed")).toBe(true);
    expect(oomEvents[1]?.incident.ended).not.toBeNull();
  });
});

describe("after an aggregator restart", () => {
  const held = uniqueName("am-held");
  let stack: { proc: FleetscopeProcess; url: string } | undefined;
  let manager: RunningAlertmanager | undefined;
  let hook: JsonReceiver | undefined;

  afterAll(async () => {
    await removeContainers(held);
    await stack?.proc.stop();
    await manager?.stop();
    await hook?.close();
  });

  it("re-sends the open incidents from the store to an Alertmanager that lost them", async () => {
    const data = join(dir.path, "restart");
    const port = await freePort();
    hook = await startJsonReceiver();
    // A loop stays open 2 minutes after its last death: long enough to restart everything.
    const flags = [
      "--alertmanager-url",
      `http://127.0.0.1:${port}`,
      "--alertmanager-resend",
      "2s",
      "--crash-loop-window",
      "2m",
    ];
    manager = await startAlertmanager(await tempSubdir("am-first"), port, hook.url);
    stack = await startUp(data, flags);
    await docker(
      "run",
      "-d",
      "--name",
      held,
      "--restart",
      "on-failure:3",
      BUSYBOX,
      "sh",
      "-c",
      "sleep 0.3; exit 3",
    );
    const before = await waitFor("the loop's four deaths", async () => {
      const i = await incidentIn(stack?.url ?? "", held);
      return i?.count === 4 ? i : undefined;
    });
    await waitFor("Alertmanager to notify the loop", () =>
      amAlerts(hook as JsonReceiver).find((a) => a.labels.incident === before.id && a.status === "firing"),
    );
    // Both go down; the new Alertmanager knows no alert, and the loop is still open in the store.
    await stack.proc.stop();
    await manager.stop();
    const seen = hook.bodies.length;
    manager = await startAlertmanager(await tempSubdir("am-second"), port, hook.url);
    stack = await startUp(data, flags);
    const again = await waitFor("the restarted aggregator to re-send the open loop", () =>
      amAlerts({ ...(hook as JsonReceiver), bodies: (hook as JsonReceiver).bodies.slice(seen) }).find(
        (a) => a.labels.incident === before.id && a.status === "firing",
      ),
    );
    expect(again.labels.kind).toBe("crash-loop");
    // Not rewritten by the detector: the alert came from the store.
    expect((await incidentIn(stack.url, held))?.updated).toBe(before.updated);
  });

  async function tempSubdir(name: string): Promise<string> {
    const path = join(dir.path, name);
    await mkdir(path, { recursive: true });
    return path;
  }

  async function incidentIn(url: string, container: string): Promise<IncidentRow | undefined> {
    const { incidents } = await getJson<{ incidents: IncidentRow[] }>(
      url,
      `/api/v1/incidents?container=${container}&kind=crash-loop`,
    );
    return incidents[0];
  }
});
