import type { Logger } from "pino";
import type { FleetRecord } from "../../protocol/records.ts";
import type { ContainerInventory } from "../docker/inventory.ts";

/** What the collector hands every source when it starts. */
export interface SourceContext {
  /** host.name stamped on every record. */
  host: string;
  /** The cursor this source last emitted whose records reached the spool, or undefined on a first start. */
  cursor: unknown;
  /**
   * Hands records to the pipeline. The cursor, when given, must describe the position just after
   * these records: it is persisted only once they are spooled, so a restart resumes there.
   * The promise resolves when the pipeline accepted them; await it to respect backpressure.
   */
  emit(records: FleetRecord[], cursor?: unknown): Promise<void>;
  /**
   * Resolves once everything emitted so far is written (fsynced) to the spool. Receivers await it
   * before acknowledging to a sender; readers with a cursor need not, the cursor does that job.
   */
  spooled(): Promise<void>;
  inventory: ContainerInventory;
  log: Logger;
  /**
   * Counts input the source had to skip (unparseable, oversized …) in
   * fleetscope_collector_malformed_input_total; the source logs the reason itself.
   * Optional so test harnesses need not provide it.
   */
  malformed?(count: number): void;
  /**
   * Counts a reading not taken, by a fixed reason, in fleetscope_collector_samples_skipped_total
   * (a stopped container's stats are skipped, never read from another cgroup). Optional as above.
   */
  skipped?(reason: string): void;
}

/** A source of records on one node: container stats, docker events, a log file family, the journal … */
export interface Source {
  readonly name: string;
  start(ctx: SourceContext): Promise<void>;
  /** Stops reading; resolves once everything read so far has been emitted. */
  stop(): Promise<void>;
}
