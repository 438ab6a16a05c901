// What the json-file source counts, under component="docker-json" in
// fleetscope_collector_input_rejected_total. Lines over --max-line-size are not skipped: they are
// cut, marked and counted in fleetscope_collector_truncated_lines_total.
import { rejected } from "../../input-issues.ts";

export const JSON_FILE_INPUT = {
  /** A whole line of the log file that is not a json-file record (bad JSON, no `time` …). */
  invalidLine: rejected("parsing", "invalid-line"),
} as const;
