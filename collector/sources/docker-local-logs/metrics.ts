// What the local-driver source counts, under component="docker-local" in
// fleetscope_collector_input_rejected_total.
import { rejected } from "../../input-issues.ts";

export const DOCKER_LOCAL_INPUT = {
  /** A frame of Docker's multiplexed log stream with a bad header, or a line without a timestamp. */
  invalidFrame: rejected("framing", "invalid-frame"),
} as const;
