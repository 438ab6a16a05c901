import type { ListenAddress, Receiver, ReceiverLimits } from "./receiver.ts";

/** Which receivers run and where; `false` turns one off (`--syslog-listen off`). */
export interface ReceiverConfig extends ReceiverLimits {
  syslog: ListenAddress | false;
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
  void config;
  return receivers;
}
