// A plain JSON POST per incident change (protocol/incident-webhook.ts), for people without
// Alertmanager. Changes wait in a bounded queue and go out one at a time, in order, each retried
// with backoff a bounded number of times; the detector only ever appends to the queue.
import type { IncidentWebhook, WebhookEvent } from "../../protocol/incident-webhook.ts";
import { shownUrl } from "../../protocol/peer-url.ts";
import type { LoggedDraft } from "../incidents/detector.ts";
import { incidentLink, whyLink } from "./links.ts";
import type { IncidentChange, Notifier, NotifierDeps, NotifyOptions } from "./notifier.ts";
import { backoffMs, postJson, reasonOf } from "./post.ts";

/** Changes kept while the receiver is down; past it the oldest are dropped (and counted). */
const MAX_QUEUE = 1000;
/** Tries per change (about 4 minutes of backoff) before it is dropped. */
const MAX_ATTEMPTS = 10;
const MAX_BACKOFF_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * The events one write of an incident makes: a new one that is already over is opened and
 * resolved; an ended one rewritten is changed if this process told its end already (`wasOver`),
 * else resolved (after a restart that may tell an end twice, never miss one).
 */
export function eventsOf({ incident, isNew }: IncidentChange, wasOver: boolean): WebhookEvent[] {
  if (incident.status === "open") return [isNew ? "opened" : "changed"];
  if (isNew) return ["opened", "resolved"];
  return [wasOver ? "changed" : "resolved"];
}

export function webhookBody(
  event: WebhookEvent,
  d: LoggedDraft,
  externalUrl: string,
  sent: string,
): IncidentWebhook {
  return {
    version: 1,
    event,
    sent,
    logSet: d.logSet,
    incident: {
      id: d.id,
      kind: d.kind,
      status: d.status,
      host: d.host,
      containerId: d.containerId,
      containerName: d.containerName,
      image: d.image,
      unit: d.unit,
      count: d.count,
      summary: d.summary,
      time: d.time,
      updated: sent,
      ended: d.ended,
      evidence: d.evidence,
    },
    links: { incident: incidentLink(externalUrl, d), why: whyLink(externalUrl, d) },
  };
}

export class WebhookNotifier implements Notifier {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #externalUrl: string;
  readonly #deps: NotifierDeps;
  readonly #queue: IncidentWebhook[] = [];
  /** Incidents whose end was told, newest last (bounded: the oldest are forgotten). */
  readonly #over = new Set<string>();
  #draining: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #stopped = false;

  constructor(o: NotifyOptions & { webhookUrl: string }, deps: NotifierDeps) {
    this.#url = o.webhookUrl;
    this.#headers = o.webhookToken ? { authorization: `Bearer ${o.webhookToken}` } : {};
    this.#externalUrl = o.externalUrl;
    this.#deps = deps;
  }

  async start(): Promise<void> {}

  written(changes: readonly IncidentChange[]): void {
    const sent = new Date().toISOString();
    for (const c of changes) {
      for (const event of eventsOf(c, this.#over.has(c.incident.id)))
        this.#queue.push(webhookBody(event, c.incident, this.#externalUrl, sent));
      this.#remember(c);
    }
    const over = this.#queue.length - MAX_QUEUE;
    if (over > 0) {
      this.#queue.splice(0, over);
      this.#deps.metrics.notifications.inc({ notifier: "webhook", outcome: "dropped" }, over);
      this.#deps.log.warn(
        { url: shownUrl(this.#url), dropped: over },
        "webhook queue full: oldest incident changes dropped",
      );
    }
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
  }

  #remember({ incident }: IncidentChange): void {
    this.#over.delete(incident.id);
    if (incident.status !== "open") this.#over.add(incident.id);
    const oldest = this.#over.values().next().value;
    if (this.#over.size > MAX_REMEMBERED && oldest !== undefined) this.#over.delete(oldest);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#draining;
  }

  async #drain(): Promise<void> {
    for (let body = this.#queue[0]; body && !this.#stopped; body = this.#queue[0]) {
      await this.#deliver(body);
      // By identity: a full queue may have dropped it (and others) meanwhile.
      const i = this.#queue.indexOf(body);
      if (i >= 0) this.#queue.splice(i, 1);
    }
  }

  /** Sends one change, retrying with backoff; gives it up (counted, logged) after MAX_ATTEMPTS. */
  async #deliver(body: IncidentWebhook): Promise<void> {
    const counter = this.#deps.metrics.notifications;
    for (let attempt = 1; !this.#stopped; attempt++) {
      try {
        await postJson(this.#url, body, this.#headers);
        counter.inc({ notifier: "webhook", outcome: "sent" });
        return;
      } catch (err) {
        counter.inc({ notifier: "webhook", outcome: "failed" });
        const what = { url: shownUrl(this.#url), incident: body.incident.id, event: body.event, attempt };
        if (attempt >= MAX_ATTEMPTS) {
          counter.inc({ notifier: "webhook", outcome: "dropped" });
          this.#deps.log.error(what, `webhook gave up on an incident change (${reasonOf(err)})`);
          return;
        }
        this.#deps.log.warn(what, `webhook not delivered (${reasonOf(err)}); retrying`);
        await this.#pause(backoffMs(attempt, MAX_BACKOFF_MS));
      }
    }
  }

  /** Waits `ms`, or less if stop() comes first. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }
}
