// What the syslog receiver counts, under component="syslog" in
// fleetscope_collector_input_{rejected,dropped}_total. A fixed set, so the labels stay bounded.
import { dropped, rejected } from "../../input-issues.ts";

export const SYSLOG_INPUT = {
  /** A frame that is neither RFC 3164 nor RFC 5424 (no <PRI>, a bad header …). */
  invalidMessage: rejected("parsing", "invalid-message"),
  /** A TCP stream whose framing cannot go on (a bad octet count); the connection is closed. */
  invalidFrame: rejected("framing", "invalid-frame"),
  /** A connection closed inside an octet-counted frame. */
  incompleteFrame: rejected("framing", "incomplete-frame"),
  /** UDP datagrams dropped while the pipeline is behind (UDP cannot be slowed down). */
  udpBacklog: dropped("queueing", "backlog-full"),
} as const;
