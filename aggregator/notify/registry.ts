// The notifiers, each made when its settings say so. Adding one: a file here and a line below.
import { AlertmanagerNotifier } from "./alertmanager.ts";
import type { Notifier, NotifierDeps, NotifyOptions } from "./notifier.ts";
import { WebhookNotifier } from "./webhook.ts";

const NOTIFIERS: ((o: NotifyOptions, deps: NotifierDeps) => Notifier | undefined)[] = [
  (o, deps) => (o.alertmanagerUrls.length > 0 ? new AlertmanagerNotifier(o, deps) : undefined),
  (o, deps) => (o.webhookUrl ? new WebhookNotifier({ ...o, webhookUrl: o.webhookUrl }, deps) : undefined),
];

/** The notifiers `o` turns on, started (each has loaded what it must re-send). */
export async function startNotifiers(o: NotifyOptions, deps: NotifierDeps): Promise<Notifier[]> {
  const on = NOTIFIERS.map((make) => make(o, deps)).filter((n): n is Notifier => n !== undefined);
  await Promise.all(on.map((n) => n.start()));
  return on;
}
