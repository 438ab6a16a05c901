import type { Option } from "commander";
import type Docker from "dockerode";
import type { Logger } from "pino";
import type { ContainerSnapshot } from "../../protocol/cadvisor/snapshot.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import type { ContainerInventory, DockerInventory } from "../docker/inventory.ts";
import type { FlagValues } from "../flags.ts";
import type { InputIssue } from "../input-issues.ts";

/** The pace of sources that can read their input again later (read-pacer.ts implements it). */
export interface Pacer {
  /** Whether they should read more now. */
  readonly open: boolean;
  /** Resolves once they should (or the signal aborts). */
  wait(signal: AbortSignal): Promise<void>;
}

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
  /**
   * True while the spool refuses writes (disk full …) and emit() waits. A receiver that cannot
   * make its sender wait (UDP) drops and counts instead of queueing. Optional for test harnesses.
   */
  backlogged?(): boolean;
  /**
   * For sources that can read their input again later (files): says whether they should read
   * more — at once, unless the aggregator is taking batches slower than they are written, then
   * when the spool is down to a few batches (read-pacer.ts). Keeps one flooding container from
   * queueing every other container's lines behind its own. Optional for test harnesses.
   */
  pacer?: Pacer;
  inventory: ContainerInventory;
  log: Logger;
  /**
   * Counts input the source had to skip (unparseable, oversized, evicted …) in
   * fleetscope_collector_input_{rejected,dropped}_total under its name; the source logs the
   * details itself. Optional so test harnesses need not provide it.
   */
  skippedInput?(issue: InputIssue, count: number): void;
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
  /**
   * The latest reading of each container, for the collector's cAdvisor-compatible /metrics; only
   * a source that reads container counters has it. Cheap: no I/O.
   */
  snapshots?(): ContainerSnapshot[];
}

/** What the collector gives a source factory to build its source from. */
export interface SourceSetup {
  /** The command's parsed flags, by commander's camelCase names; a factory reads its own. */
  flags: FlagValues;
  docker: Docker;
  /** Kept current by the docker-events source, read by all. */
  inventory: DockerInventory;
  /** This collector's id (its spool's), and its version, for the host heartbeat. */
  collectorId: string;
  version: string;
  /** The host's /proc, cgroup mount and /sys: /host/… for a collector in a container. */
  procRoot: string;
  cgroupRoot: string;
  sysRoot?: string;
  /** --stats-interval: how often container stats and processes are sampled. */
  statsIntervalMs: number;
  /** --max-line-size: the pipeline cuts longer lines; a reader holds at most a little more. */
  maxLineBytes: number;
}

/**
 * One kind of source, as registered in sources/registry.ts: the collector builds its source from
 * it, the CLI adds its flags to `collector` and `up`, the README's flag table lists them.
 *
 * A factory file stays light: every CLI command builds its flags from the registries, and a
 * command that only reads the API must not load the collector. So `create` imports the source
 * itself when called (`await import("./journald-source.ts")`), never at the top of the file.
 */
export interface SourceFactory {
  /** The source's name: its records' `source`, its cursor's key in the spool, its metrics' label. */
  readonly name: string;
  /** Its own flags, each with its environment variable; most sources have none. */
  flags(): Option[];
  /** The source, or undefined when its flags turn it off (`--no-journal`). */
  create(setup: SourceSetup): Promise<Source | undefined>;
}
