// The pure parts of the notifiers: when an incident's alert ends, what an alert carries, and which
// webhook events a write makes.
import { describe, expect, it } from "vitest";
import { endsAtOf, toAlert, type Written } from "../../aggregator/notify/alertmanager.ts";
import { DEFAULT_NOTIFY, type NotifyOptions } from "../../aggregator/notify/notifier.ts";
import { eventsOf } from "../../aggregator/notify/webhook.ts";

const o: NotifyOptions = { alertmanagerUrls: [], ...DEFAULT_NOTIFY, externalUrl: "https://fs.example" };
const now = Date.parse("2026-11-30T12:00:00Z");

const incident = (over: Partial<Written> = {}): Written => ({
  id: "abc",
  kind: "crash-loop",
  time: "2026-11-30T11:50:00.000Z",
  ended: null,
  status: "open",
  logSet: "default",
  host: "node-1",
  containerId: "c0ffee",
  containerName: "web",
  image: "web:1",
  unit: "",
  count: 3,
  summary: "web keeps dying",
  evidence: null,
  writtenAt: Date.parse("2026-11-30T11:50:01Z"),
  ...over,
});

describe("Alertmanager alerts", () => {
  it("an open incident's alert ends four resend periods ahead, as Prometheus sends its own", () => {
    expect(endsAtOf(incident(), now, o)).toBe(now + 4 * o.alertmanagerResendMs);
  });

  it("an ended incident's alert ends when it did, but fires at least min-firing after it was found", () => {
    const long = incident({ status: "resolved", ended: "2026-11-30T11:58:00.000Z" });
    expect(endsAtOf(long, now, o)).toBe(Date.parse("2026-11-30T11:58:00Z"));
    const point = incident({ kind: "oom", status: "resolved", ended: "2026-11-30T11:50:00.500Z" });
    expect(endsAtOf(point, now, o)).toBe(point.writtenAt + o.alertmanagerMinFiringMs);
    const merged = incident({ kind: "exit", status: "merged", ended: "2026-11-30T11:50:00.500Z" });
    expect(endsAtOf(merged, now, o)).toBe(Date.parse("2026-11-30T11:50:00.500Z"));
  });

  it("labels the incident and links to it and to why; no empty label", () => {
    const a = toAlert(incident({ image: "" }), now, o);
    expect(a.labels).toEqual({
      alertname: "FleetscopeIncident",
      kind: "crash-loop",
      severity: "warning",
      host: "node-1",
      container: "web",
      log_set: "default",
      incident: "abc",
    });
    expect(a.generatorURL).toBe("https://fs.example/api/v1/incidents/abc");
    expect(a.annotations.why).toBe("https://fs.example/api/v1/why?container=c0ffee&host=node-1");
    expect(toAlert(incident({ kind: "error-burst" }), now, o).annotations.why).toBeUndefined();
  });
});

describe("webhook events", () => {
  it("opened, changed and resolved from the status and whether the end was told", () => {
    expect(eventsOf({ incident: incident(), isNew: true }, false)).toEqual(["opened"]);
    expect(eventsOf({ incident: incident(), isNew: false }, false)).toEqual(["changed"]);
    const over = incident({ status: "resolved", ended: "2026-11-30T11:58:00.000Z" });
    expect(eventsOf({ incident: over, isNew: true }, false)).toEqual(["opened", "resolved"]);
    expect(eventsOf({ incident: over, isNew: false }, false)).toEqual(["resolved"]);
    expect(eventsOf({ incident: over, isNew: false }, true)).toEqual(["changed"]);
  });
});
