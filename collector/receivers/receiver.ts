import type { Source } from "../sources/source.ts";

/** Where a receiver listens: a TCP/UDP address, or off. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * A network receiver (syslog, GELF, fluentd forward …): a Source that listens instead of reading.
 * The collector starts receivers before anything else, because Docker refuses to start a
 * container whose syslog-TCP or fluentd endpoint is down. A receiver that acknowledges to its
 * sender (fluentd `chunk`) does so only after `ctx.spooled()` resolved for those records.
 */
export interface Receiver extends Source {
  /** Addresses actually bound once started (`udp://127.0.0.1:5514`, `tcp://…`), for logs and tests. */
  readonly addresses: string[];
}

/** Limits every receiver applies to what one peer may send. */
export interface ReceiverLimits {
  /** A line or message body longer than this is cut and marked (see collector/logs/truncate.ts). */
  maxLineBytes: number;
}
