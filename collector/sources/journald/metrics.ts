// What the journald source counts, under component="journald" in
// fleetscope_collector_input_{rejected,dropped}_total.
import { dropped, rejected } from "../../input-issues.ts";

export const JOURNALD_INPUT = {
  /** A line of `journalctl -o json` longer than the reader takes (16 MiB): skipped whole. */
  oversizedLine: dropped("reading", "oversized-line"),
  /** A line of `journalctl -o json` that is not a JSON object. */
  invalidJson: rejected("parsing", "invalid-json"),
} as const;
