// What a notifier is: something told of every incident the detector writes, that sends it on
// (Alertmanager, a webhook) without ever holding the detector up.
import type { Logger } from "pino";
import type { WrittenIncident } from "../incidents/detector.ts";
import type { AggregatorMetrics } from "../metrics.ts";
import type { Store } from "../store/store.ts";

/** An incident the detector just wrote; isNew when no version of it was stored before. */
export type IncidentChange = WrittenIncident;

export interface Notifier {
  /** Loads what it must keep sending from the store (never what only memory held), then starts. */
  start(): Promise<void>;
  /** Called by the detector after each write: must return at once (queue, never await a peer). */
  written(changes: readonly IncidentChange[]): void;
  stop(): Promise<void>;
}

/** The notifiers' settings (flags of `aggregator` and `up`); a notifier not configured is off. */
export interface NotifyOptions {
  /** Alertmanagers to push every incident to (all of them: an HA pair gets each alert twice, and dedups). */
  alertmanagerUrls: string[];
  /** How often open incidents are re-sent; their alerts end 4 of these later unless re-sent. */
  alertmanagerResendMs: number;
  /** An incident that ends as it opens (an OOM kill, an exit) still fires this long. */
  alertmanagerMinFiringMs: number;
  webhookUrl?: string;
  /** Sent as `Authorization: Bearer`, read once at start. */
  webhookToken?: string;
  /** Where people reach this aggregator's API: the base of the links in alerts. */
  externalUrl: string;
}

export const DEFAULT_NOTIFY = {
  alertmanagerResendMs: 60_000,
  alertmanagerMinFiringMs: 5 * 60_000,
} as const;

/** What a notifier may use: the store (to reload at start), a log, its counters. */
export interface NotifierDeps {
  store: Store;
  log: Logger;
  metrics: AggregatorMetrics;
}
