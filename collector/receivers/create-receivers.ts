import { FluentdReceiver } from "./fluentd/fluentd-receiver.ts";
import { GelfReceiver } from "./gelf/gelf-receiver.ts";
import type { ListenAddress, Receiver, ReceiverLimits } from "./receiver.ts";
import { SyslogReceiver } from "./syslog/syslog-receiver.ts";

/** Which receivers run and where; `false` turns one off (`--syslog-listen off`). */
export interface ReceiverConfig extends ReceiverLimits {
  syslog: ListenAddress | false;
  /** PEM certificate and key files: syslog over TCP is TLS (Docker's tcp+tls://). */
  syslogTls?: { cert: string; key: string };
  gelf: ListenAddress | false;
  fluentd: ListenAddress | false;
}

export const RECEIVER_DEFAULTS = {
  syslog: "127.0.0.1:5514",
  gelf: "127.0.0.1:12201",
  fluentd: "127.0.0.1:24224",
} as const;

/** One registration per receiver kind: each is a plug-in behind the Receiver interface. */
export function createReceivers(config: ReceiverConfig): Receiver[] {
  const receivers: Receiver[] = [];
  const limits = { maxLineBytes: config.maxLineBytes };
  if (config.syslog)
    receivers.push(new SyslogReceiver({ listen: config.syslog, tls: config.syslogTls, ...limits }));
  if (config.gelf) receivers.push(new GelfReceiver(config.gelf, limits));
  if (config.fluentd) receivers.push(new FluentdReceiver(config.fluentd, limits));
  return receivers;
}
