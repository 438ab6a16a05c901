// What the journal-gateway source counts, under component="journal-gateway" in
// fleetscope_collector_input_{rejected,dropped}_total.
import { dropped, rejected } from "../../input-issues.ts";

export const GATEWAY_INPUT = {
  /** A line of the gateway's answer longer than the reader takes (MAX_GATEWAY_LINE_BYTES): skipped whole. */
  oversizedLine: dropped("reading", "oversized-line"),
  /** A line of the gateway's answer that is not a JSON object. */
  invalidJson: rejected("parsing", "invalid-json"),
} as const;
