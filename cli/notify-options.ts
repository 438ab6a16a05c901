// Flags of `aggregator` and `up` that send incidents on: Alertmanager, a plain webhook, and the
// URL the links in them point at (aggregator/notify/).
import { readFileSync } from "node:fs";
import { InvalidArgumentError, Option } from "commander";
import { DEFAULT_NOTIFY, type NotifyOptions } from "../aggregator/notify/notifier.ts";
import { asFlagError, parseUrlList } from "../collector/flags.ts";
import { hasCredentials } from "../protocol/peer-url.ts";
import { parseAggregatorUrl, parseDurationArg, parseUrl } from "./options.ts";

/** A URL flag given more than once, or once with commas (an HA pair of Alertmanagers). */
const parseUrls = (value: string, previous: string[] = []) => [
  ...previous,
  ...asFlagError(() => parseUrlList(value, "http://127.0.0.1:9093", "allow")),
];

/** The minimum resend period: Alertmanager would otherwise be flooded with one fleet's alerts. */
const parseResend = (value: string) => {
  const ms = parseDurationArg(value);
  if (ms < 1000) throw new InvalidArgumentError("expected at least 1s");
  return ms;
};

const durationText = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

export function notifyOptions(): Option[] {
  return [
    new Option(
      "--alertmanager-url <url>",
      "push every incident to this Alertmanager as an alert (repeat it or give a comma list for an HA pair; each gets every alert)",
    )
      .env("FLEETSCOPE_ALERTMANAGER_URL")
      .argParser(parseUrls),
    new Option(
      "--alertmanager-resend <duration>",
      "re-send the alerts that fire this often; each ends 4 of these later unless re-sent (keep it under Alertmanager's resolve_timeout)",
    )
      .env("FLEETSCOPE_ALERTMANAGER_RESEND")
      .default(DEFAULT_NOTIFY.alertmanagerResendMs, durationText(DEFAULT_NOTIFY.alertmanagerResendMs))
      .argParser(parseResend),
    new Option(
      "--alertmanager-min-firing <duration>",
      "an incident over as soon as it is found (an OOM kill, an exit) still fires this long, so it pages",
    )
      .env("FLEETSCOPE_ALERTMANAGER_MIN_FIRING")
      .default(DEFAULT_NOTIFY.alertmanagerMinFiringMs, durationText(DEFAULT_NOTIFY.alertmanagerMinFiringMs))
      .argParser(parseDurationArg),
    new Option(
      "--webhook-url <url>",
      "POST each incident change (opened, changed, resolved) as JSON to this URL (body: protocol/incident-webhook.ts)",
    )
      .env("FLEETSCOPE_WEBHOOK_URL")
      .argParser(parseUrl),
    new Option("--webhook-token-file <file>", "a token sent to --webhook-url as `Authorization: Bearer`").env(
      "FLEETSCOPE_WEBHOOK_TOKEN_FILE",
    ),
    new Option(
      "--external-url <url>",
      "where people reach this aggregator's API: the base of the links in alerts and webhooks (default: the --listen URL)",
    )
      .env("FLEETSCOPE_EXTERNAL_URL")
      .argParser(parseAggregatorUrl),
  ];
}

export interface NotifyFlags {
  alertmanagerUrl?: string[];
  alertmanagerResend: number;
  alertmanagerMinFiring: number;
  webhookUrl?: string;
  webhookTokenFile?: string;
  externalUrl?: string;
}

/** notifyOptions' values as Aggregator.start takes them; the token file is read now, so a bad one fails the start. */
export function notifyFromFlags(f: NotifyFlags): Partial<NotifyOptions> {
  if (f.webhookTokenFile && !f.webhookUrl) throw new Error("--webhook-token-file needs --webhook-url");
  if (f.webhookTokenFile && f.webhookUrl && hasCredentials(f.webhookUrl))
    throw new Error("--webhook-url carries credentials and --webhook-token-file a token: give one of them");
  return {
    alertmanagerUrls: f.alertmanagerUrl ?? [],
    alertmanagerResendMs: f.alertmanagerResend,
    alertmanagerMinFiringMs: f.alertmanagerMinFiring,
    webhookUrl: f.webhookUrl,
    webhookToken: f.webhookTokenFile ? tokenOf(f.webhookTokenFile) : undefined,
    externalUrl: f.externalUrl,
  };
}

function tokenOf(file: string): string {
  const token = readFileSync(file, "utf8").trim();
  if (!token || /[\r\n]/.test(token))
    throw new Error(`--webhook-token-file ${file}: expected one line holding a token`);
  return token;
}
