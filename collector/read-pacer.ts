// Paces the sources that can read their input again later (container log files) to the
// aggregator while it takes batches.
//
// Why: the spool is one queue. A container flooding its log faster than the aggregator stores
// rows filled it with the flood when its reader ran ahead, and every other container's next line
// then waited behind all of it: past 20 s in bench/pipeline.ts's flood run, against 0.2 s quiet.
// Paced, the flood's backlog stays in its own file (Docker keeps it; the reader's cursor holds the
// place), each poll reads a bounded share of it (json-file-tailer's per-poll budget), and a
// container that is not behind is read while the flood waits, into a small batch the shipper sends
// ahead of the flood's (json-file-source.ts, shipper.ts).
//
// While the aggregator does not take batches (down, refusing, not known yet) nothing is paced:
// the spool takes what the sources read, as it is there for, so an outage longer than the log
// files' rotation loses nothing the spool can hold.
import type { Spool } from "./spool/spool.ts";

/** Batches the spool may hold, not yet acked, while paced sources read on. */
export const DEFAULT_READ_AHEAD_BATCHES = 2;
/** How often a waiting source looks again without a change of the spool (the shipper's state). */
const RECHECK_MS = 250;

export class ReadPacer {
  readonly #spool: Spool;
  readonly #delivering: () => boolean;
  readonly #aheadBatches: number;

  constructor(spool: Spool, delivering: () => boolean, aheadBatches = DEFAULT_READ_AHEAD_BATCHES) {
    this.#spool = spool;
    this.#delivering = delivering;
    this.#aheadBatches = aheadBatches;
  }

  /** Whether a paced source may read now. */
  get open(): boolean {
    return this.#spool.backlog <= this.#aheadBatches || !this.#delivering();
  }

  /** Resolves once a paced source may read (or the signal aborts). */
  async wait(signal: AbortSignal): Promise<void> {
    while (!this.open && !signal.aborted) await this.#spool.changed(RECHECK_MS);
  }
}
