// Incidents as Alertmanager alerts (its v2 API, POST /api/v2/alerts), the way Prometheus sends
// its own: every alert that fires is re-sent each resend period with endsAt four periods ahead,
// so it stays firing while this aggregator lives and resolves by itself if it dies; an incident
// that ends is sent with endsAt at its end. The alerts come from the incidents the detector
// writes and, after a restart, from the store: nothing only memory held matters.
import { INCIDENT_KINDS } from "../../protocol/incident-kinds.ts";
import { shownUrl } from "../../protocol/peer-url.ts";
import type { LoggedDraft } from "../incidents/detector.ts";
import { incidentLink, whyLink } from "./links.ts";
import type { IncidentChange, Notifier, NotifierDeps, NotifyOptions } from "./notifier.ts";
import { loadRecentIncidents } from "./open-incidents.ts";
import { backoffMs, postJson, reasonOf } from "./post.ts";

/**
 * One alert name for every incident, the kind a label: a route or an inhibition matches
 * `alertname="FleetscopeIncident"` once, and these never mix with the metric-based alerts of
 * dashboards/prometheus/rules.yml (ContainerOOMKilled …), which an operator may run beside them.
 */
export const ALERT_NAME = "FleetscopeIncident";
/** An alert that ended is still sent this long (as Prometheus does), for an Alertmanager that missed it. */
const RESOLVED_RETENTION_MS = 15 * 60_000;
/** Most alerts kept; past it the ones that ended first are dropped (and counted). */
const MAX_ALERTS = 10_000;
/** Alerts per POST. */
const CHUNK = 1000;

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** Many hosts failing at once page harder than one container. */
const severityOf = (d: LoggedDraft) => (d.kind === "fleet" ? "critical" : "warning");

/**
 * An incident and when its first version reached this notifier (after a restart, when the store's
 * version was written): an incident found already over fires minFiring from then, so a late one
 * (a collector's backlog) still pages.
 */
export type Written = LoggedDraft & { writtenAt: number };

/** When the incident's alert stops firing: ahead while open, at its end (at least minFiring after it was written) once over. */
export function endsAtOf(d: Written, now: number, o: NotifyOptions): number {
  if (d.status === "open") return now + 4 * o.alertmanagerResendMs;
  const ended = Date.parse(d.ended ?? d.time);
  // A merged exit is told by its crash loop's alert.
  if (d.status === "merged") return ended;
  return Math.max(ended, d.writtenAt + o.alertmanagerMinFiringMs);
}

export function toAlert(d: Written, now: number, o: NotifyOptions): Alert {
  const labels: Record<string, string> = {
    alertname: ALERT_NAME,
    kind: d.kind,
    severity: severityOf(d),
    host: d.host,
    container: d.containerName,
    image: d.image,
    log_set: d.logSet,
    incident: d.id,
  };
  if (d.unit) labels.unit = d.unit;
  const incident = incidentLink(o.externalUrl, d);
  const why = whyLink(o.externalUrl, d);
  const label = (INCIDENT_KINDS as Record<string, { label: string }>)[d.kind]?.label ?? d.kind;
  const annotations: Record<string, string> = {
    summary: d.summary,
    description: `${label} on ${d.host}${d.containerName ? ` (${d.containerName})` : ""}, ${d.count} time(s) since ${d.time}${why ? "; see the why link" : ""}`,
    incident,
  };
  if (why) annotations.why = why;
  // Alertmanager refuses empty label values: they mean "no such label".
  for (const k of Object.keys(labels)) if (labels[k] === "") delete labels[k];
  return {
    labels,
    annotations,
    startsAt: d.time,
    endsAt: new Date(endsAtOf(d, now, o)).toISOString(),
    generatorURL: incident,
  };
}

export class AlertmanagerNotifier implements Notifier {
  readonly #o: NotifyOptions;
  readonly #deps: NotifierDeps;
  readonly #peers: Peer[];
  /** The incidents whose alerts are still sent, by id. */
  readonly #alerts = new Map<string, Written>();

  constructor(o: NotifyOptions, deps: NotifierDeps) {
    this.#o = o;
    this.#deps = deps;
    this.#peers = o.alertmanagerUrls.map(
      (url) => new Peer(url, o.alertmanagerResendMs, deps, () => this.#current()),
    );
  }

  async start(): Promise<void> {
    const since = Date.now() - this.#o.alertmanagerMinFiringMs - RESOLVED_RETENTION_MS;
    for (const d of await loadRecentIncidents(this.#deps.store, since, MAX_ALERTS)) this.#alerts.set(d.id, d);
    for (const p of this.#peers) p.kick();
  }

  written(changes: readonly IncidentChange[]): void {
    const writtenAt = Date.now();
    for (const { incident } of changes)
      this.#alerts.set(incident.id, {
        ...incident,
        writtenAt: this.#alerts.get(incident.id)?.writtenAt ?? writtenAt,
      });
    for (const p of this.#peers) p.kick();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#peers.map((p) => p.stop()));
  }

  /** The alerts to send now; forgets those long over, and the oldest over MAX_ALERTS. */
  #current(): Alert[] {
    const now = Date.now();
    const alerts = [...this.#alerts.values()].map((d) => ({ d, alert: toAlert(d, now, this.#o) }));
    for (const { d, alert } of alerts)
      if (Date.parse(alert.endsAt) + RESOLVED_RETENTION_MS < now) this.#alerts.delete(d.id);
    const kept = alerts.filter(({ d }) => this.#alerts.has(d.id));
    if (kept.length > MAX_ALERTS) {
      kept.sort((a, b) => Date.parse(b.alert.endsAt) - Date.parse(a.alert.endsAt));
      const dropped = kept.splice(MAX_ALERTS);
      for (const { d } of dropped) this.#alerts.delete(d.id);
      this.#deps.metrics.notifications.inc({ notifier: "alertmanager", outcome: "dropped" }, dropped.length);
      this.#deps.log.warn(
        { dropped: dropped.length },
        `over ${MAX_ALERTS} alerts: those that ended first dropped`,
      );
    }
    return kept.map((x) => x.alert);
  }
}

/** One Alertmanager: sends every alert each period, soon after a change, and backs off while it fails. */
class Peer {
  readonly #url: string;
  readonly #periodMs: number;
  readonly #deps: NotifierDeps;
  readonly #alerts: () => Alert[];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  #stopped = false;

  constructor(url: string, periodMs: number, deps: NotifierDeps, alerts: () => Alert[]) {
    this.#url = `${url}/api/v2/alerts`;
    this.#periodMs = periodMs;
    this.#deps = deps;
    this.#alerts = alerts;
  }

  /** Sends soon: now unless a send is under way (then once more after it) or it is backing off. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#sending) this.#again = true;
    else if (this.#failures === 0) this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#sending;
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#sending = this.#send().finally(() => {
        this.#sending = undefined;
        if (this.#stopped) return;
        const again = this.#again && this.#failures === 0;
        this.#again = false;
        this.#schedule(
          again ? 0 : this.#failures ? backoffMs(this.#failures, this.#periodMs) : this.#periodMs,
        );
      });
    }, ms);
  }

  async #send(): Promise<void> {
    const alerts = this.#alerts();
    const counter = this.#deps.metrics.notifications;
    try {
      for (let i = 0; i < alerts.length; i += CHUNK) {
        await postJson(this.#url, alerts.slice(i, i + CHUNK));
        counter.inc({ notifier: "alertmanager", outcome: "sent" });
      }
      if (this.#failures > 0)
        this.#deps.log.info({ url: shownUrl(this.#url) }, "Alertmanager reached again; alerts sent");
      this.#failures = 0;
    } catch (err) {
      this.#failures += 1;
      counter.inc({ notifier: "alertmanager", outcome: "failed" });
      this.#deps.log.warn(
        {
          url: shownUrl(this.#url),
          alerts: alerts.length,
          failures: this.#failures,
          retryInMs: backoffMs(this.#failures, this.#periodMs),
        },
        `alerts not sent to Alertmanager (${reasonOf(err)}); retrying`,
      );
    }
  }
}
