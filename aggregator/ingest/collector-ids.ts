// Spotting one collector id used by two running collectors: a spool directory copied with its
// collector-id file (a golden VM image, a cloned volume). Both would number their batches alike
// and split one host's data between them. A collector names itself on each request (its id and
// a random id of its process, COLLECTOR_ID_HEADER); a restart replaces the process id and the old
// process stops sending, but a clone keeps both sending. Remembered in memory per (token,
// collector id): an aggregator restart forgets, and learns again from the next batches.

/** How long an instance counts as sending after its last batch. */
export const OVERLAP_WINDOW_MS = 60_000;
/**
 * After a new instance's first batch, requests the old process had in flight may still arrive.
 * Only sending past this counts as a second live collector.
 */
export const RESTART_GRACE_MS = 10_000;

interface Seen {
  host: string;
  firstMs: number;
  lastMs: number;
}

/** A batch refused because its collector id is in use by another collector. */
export class DuplicateCollector extends Error {}

export class CollectorIds {
  /** (token id, collector id) → instance → when and for which host it sent. */
  readonly #seen = new Map<string, Map<string, Seen>>();
  #checks = 0;

  /**
   * Records a batch for `host` sent by the process `instance` of collector `collectorId`. Throws DuplicateCollector
   * when this instance is the newer of two live users of the id: the older sent for another host
   * within the window, or kept sending past the restart grace after this one started. The older
   * keeps shipping; the newer is refused for as long as both send.
   */
  check(tokenId: string, collectorId: string, host: string, instance: string, nowMs = Date.now()): void {
    // Now and then, forget every collector gone quiet: senders choose their ids, so the map is bounded by time.
    if (++this.#checks % 1000 === 0) this.#forgetQuiet(nowMs);
    const key = `${tokenId}\u0000${collectorId}`;
    const instances = this.#seen.get(key) ?? new Map<string, Seen>();
    this.#seen.set(key, instances);
    for (const [id, s] of instances) if (nowMs - s.lastMs > OVERLAP_WINDOW_MS) instances.delete(id);
    const me = instances.get(instance) ?? { host, firstMs: nowMs, lastMs: nowMs };
    me.lastMs = nowMs;
    instances.set(instance, me);
    for (const [id, older] of instances) {
      if (id === instance) continue;
      if (older.firstMs > me.firstMs || (older.firstMs === me.firstMs && id > instance)) continue;
      const otherHost = older.host !== host;
      const stillSending = older.lastMs > me.firstMs + RESTART_GRACE_MS;
      if (otherHost || stillSending) throw duplicate(collectorId, older.host, host);
    }
    me.host = host;
  }

  #forgetQuiet(nowMs: number): void {
    for (const [key, instances] of this.#seen) {
      for (const [id, s] of instances) if (nowMs - s.lastMs > OVERLAP_WINDOW_MS) instances.delete(id);
      if (instances.size === 0) this.#seen.delete(key);
    }
  }
}

function duplicate(collectorId: string, firstHost: string, secondHost: string): DuplicateCollector {
  const hosts =
    firstHost === secondHost
      ? `both for host "${firstHost}"`
      : `for hosts "${firstHost}" and "${secondHost}"`;
  return new DuplicateCollector(
    `collector id "${collectorId}" is used by two running collectors (${hosts}), most likely a copied spool directory; ` +
      `this batch (from the one that started later) is refused and stays in its spool; that collector takes a new ` +
      `id and retries by itself. If it keeps coming back, give each node its own spool directory, or delete the ` +
      `copied collector-id file in that collector's spool directory and restart it`,
  );
}
