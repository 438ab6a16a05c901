// What the fluentd forward receiver counts, under component="fluentd" in
// fleetscope_collector_input_rejected_total. A fixed set, so the labels stay bounded.
import { dropped, rejected } from "../../input-issues.ts";

export const FLUENTD_INPUT = {
  /** Bytes that start no msgpack value, or a message over the size limit; the connection is closed. */
  invalidFrame: rejected("framing", "invalid-frame"),
  /** A msgpack value that is not a forward message (Message, Forward, PackedForward …). */
  invalidMessage: rejected("parsing", "invalid-message"),
  /** Entries of a forward message that are not [time, record]. */
  invalidEvent: rejected("parsing", "invalid-event"),
  /** A connection closed because unfinished messages of all connections held more than --fluentd-max-buffer. */
  bufferFull: dropped("framing", "buffer-full"),
} as const;
