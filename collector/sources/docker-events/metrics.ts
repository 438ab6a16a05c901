// What the docker-events source counts, under component="docker-events" in
// fleetscope_collector_input_rejected_total.
import { rejected } from "../../input-issues.ts";

export const DOCKER_EVENTS_INPUT = {
  /** A line of the daemon's event stream that is not JSON. */
  invalidJson: rejected("parsing", "invalid-json"),
} as const;
