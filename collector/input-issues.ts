// The vocabulary of fleetscope_collector_input_{rejected,dropped}_total. Kept apart from
// metrics.ts (prom-client) so that a component's metrics.ts, which declares its issues, loads
// nothing heavy.

/**
 * Where in a component a piece of input was lost: reading it (a line over journalctl's limit),
 * cutting a stream into messages, decompressing or decoding one, putting GELF chunks back
 * together, parsing a message into a record, or queueing it for the pipeline.
 */
export type InputStage = "reading" | "framing" | "decoding" | "reassembly" | "parsing" | "queueing";

/**
 * Input a component could not use, as counted: `rejected` is the sender's fault (fix the sender),
 * `dropped` is a limit or timeout of ours (raise it, or find what is slow). Each component lists
 * its own in its folder's metrics.ts, so `reason` stays a small fixed set; the log line beside
 * each count says which message and why, in words.
 */
export interface InputIssue {
  outcome: "rejected" | "dropped";
  stage: InputStage;
  reason: string;
}

export const rejected = (stage: InputStage, reason: string): InputIssue => ({
  outcome: "rejected",
  stage,
  reason,
});
export const dropped = (stage: InputStage, reason: string): InputIssue => ({
  outcome: "dropped",
  stage,
  reason,
});
