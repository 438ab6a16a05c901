// What the GELF receiver counts, under component="gelf" in
// fleetscope_collector_input_{rejected,dropped}_total. A fixed set, so the labels stay bounded.
import { dropped, rejected } from "../../input-issues.ts";

export const GELF_INPUT = {
  /** A chunk with a bad header or count, or chunks of one message that disagree. */
  invalidChunk: rejected("reassembly", "invalid-chunk"),
  /** Incomplete chunked messages evicted to stay within the reassembly caps (1000 / 32 MiB). */
  reassemblyFull: dropped("reassembly", "memory-full"),
  /** Chunked messages still incomplete 5 s after their first chunk. */
  reassemblyTimeout: dropped("reassembly", "timeout"),
  /** A payload that does not inflate, or inflates past the size limit. */
  undecodable: rejected("decoding", "undecodable"),
  /** Not a JSON object with a short_message. */
  invalidMessage: rejected("parsing", "invalid-message"),
  /** A TCP frame longer than the size limit without its NUL. */
  oversizedFrame: rejected("framing", "oversized-frame"),
  /** UDP datagrams dropped while the spool refuses writes (UDP cannot be slowed down). */
  udpBacklog: dropped("queueing", "backlog-full"),
} as const;
