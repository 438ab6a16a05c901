import type { Logger } from "pino";
import {
  BATCH_CONTENT_TYPE,
  COLLECTOR_ID_HEADER,
  INSTANCE_HEADER,
  SMALL_BATCH_RECORDS,
} from "../protocol/batch.ts";
import { Failover, type FailoverReason, sleep } from "./failover.ts";
import type { CollectorMetrics } from "./metrics.ts";
import type { ShipTarget } from "./ship-target.ts";
import type { Spool, SpooledBatch } from "./spool/spool.ts";

export interface ShipperOptions {
  /** The aggregators (first preferred) and the token, read before every send. */
  target: ShipTarget;
  /** While on a later aggregator, how often the earlier ones are checked to go back to them. */
  failbackAfterMs: number;
  requestTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Batches in flight at once. */
  concurrency: number;
  /** Failed sends after which a batch is passed over while younger ones ship; default 3. */
  suspectAfter?: number;
  /** Failed sends, while younger batches were acked, after which a batch is set aside; default 5. */
  setAsideAfter?: number;
}

/** failover: the send failed, and the next aggregator has not failed since the last ack: send there now. */
type Outcome = "acked" | "rejected" | "retry" | "failover";

/** How one batch has fared since its first failed send. */
interface Failures {
  count: number;
  /** A younger batch was acked since this one first failed: the aggregator is up. */
  ackedBehind: boolean;
  /** Failed sends since then: failures while the aggregator stores other batches. */
  strikes: number;
  lastError: string;
}

/**
 * The aggregator's answers about a batch itself, the same however often its bytes are sent:
 * malformed (400), too large (413), an encoding it does not take (415), unprocessable (422).
 * Everything else keeps the batch and retries: 401/403 (a token to fix), 408/429 (later), 409 (a
 * duplicate collector id), and 404/405 … (a wrong --aggregator URL or a proxy: no batch is at fault).
 */
const REFUSALS = new Set([400, 413, 415, 422]);

function isRefusal(status: number): boolean {
  return REFUSALS.has(status);
}

/**
 * Sends spooled batches to the aggregator, oldest first, and deletes each only once the
 * aggregator acks it (which it does after the store committed the rows). Failures back off
 * exponentially; the spool keeps everything meanwhile.
 *
 * One batch must not hold up the rest: a refused one (isRefusal) is set aside in the spool's
 * rejected/ at once; one that keeps failing otherwise is passed over after a few attempts, and
 * set aside only once younger batches were acked while it kept failing. In an outage every
 * batch fails, none is acked, and nothing is set aside.
 *
 * Several aggregators (failover.ts): a send that fails because the aggregator is down (no
 * connection, a timeout, a 5xx) moves the shipper on to the next one, and the batch is sent there
 * whole; a 4xx is the batch's or the token's problem and moves nothing. A batch is deleted only
 * after an ack, so each batch is acked by one aggregator, and none is lost. Sent again to the same
 * store, its id makes the resend a no-op; with separate stores, a batch whose ack was lost (stored,
 * then the aggregator died before answering) is stored by both.
 */
export class Shipper {
  readonly #spool: Spool;
  readonly #opts: ShipperOptions;
  readonly #log: Logger;
  readonly #metrics: CollectorMetrics;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  /** Batches whose last send failed, by id. */
  readonly #failures = new Map<string, Failures>();
  readonly #failover: Failover;
  /** When the last batch was acked, and when a send last failed (performance.now()). */
  #lastAckAt = -1;
  #lastFailureAt = 0;

  constructor(spool: Spool, opts: ShipperOptions, log: Logger, metrics: CollectorMetrics) {
    this.#spool = spool;
    this.#opts = opts;
    this.#log = log;
    this.#metrics = metrics;
    this.#failover = new Failover(opts.target, { failbackAfterMs: opts.failbackAfterMs }, log, metrics);
  }

  start(): void {
    this.#failover.start();
    this.#loop = this.#run();
  }

  /** Stops after the batch in flight, if any. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    await this.#failover.stop();
  }

  /** Whether the aggregator takes batches: the last send that ended was acked. */
  get delivering(): boolean {
    return this.#lastAckAt > this.#lastFailureAt;
  }

  /** Ships until the spool is empty or the deadline passes; used for a clean shutdown. */
  async drain(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (this.#spool.oldest() && Date.now() < until && !this.#abort.signal.aborted) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * `concurrency` senders, so parsing and inserting one batch overlaps sending the next, and one
   * for small batches only: a quiet container's line, read while a flood is paced, goes out at
   * once instead of after the flood's big batches (read-pacer.ts); the others keep the order.
   */
  async #run(): Promise<void> {
    const senders = Array.from({ length: this.#opts.concurrency }, () => this.#sender());
    await Promise.all([...senders, this.#sender((b) => b.count <= SMALL_BATCH_RECORDS)]);
  }

  /** Sends batches (those `takes` takes; every one without it) until stopped. */
  async #sender(takes?: (b: SpooledBatch) => boolean): Promise<void> {
    const signal = this.#abort.signal;
    let backoffMs = 0;
    while (!signal.aborted) {
      await this.#spool.waitForBatch(signal, takes);
      // Nothing ships before the collector knows where to (an etcd key not set yet).
      await this.#opts.target.known(signal);
      // Batches that keep failing go last, so the ones behind them ship.
      const batch =
        this.#spool.claim((b) => (takes?.(b) ?? true) && !this.#isSuspect(b)) ?? this.#spool.claim(takes);
      if (!batch || signal.aborted) {
        if (batch) this.#spool.release(batch);
        continue;
      }
      const outcome = await this.#send(batch);
      if (outcome === "acked") this.#lastAckAt = performance.now();
      else this.#lastFailureAt = performance.now();
      if (outcome === "acked") await this.#acked(batch);
      else if (outcome === "rejected") await this.#setAside(batch, "refused");
      else if (this.#failedAgain(batch)) await this.#setAside(batch, "failing");
      else {
        this.#spool.release(batch);
        if (outcome === "retry") {
          backoffMs = Math.min(this.#opts.maxBackoffMs, Math.max(this.#opts.minBackoffMs, backoffMs * 2));
          if (await this.#pause(backoffMs, signal)) backoffMs = 0;
          continue;
        }
      }
      backoffMs = 0;
    }
  }

  /** Backs off; a changed target (a new token or aggregator from etcd) ends it early: true then. */
  async #pause(ms: number, signal: AbortSignal): Promise<boolean> {
    const changed = new AbortController();
    const unsubscribe = this.#opts.target.onChange(() => changed.abort());
    try {
      return (await sleep(ms, AbortSignal.any([signal, changed.signal]))) && changed.signal.aborted;
    } finally {
      unsubscribe();
    }
  }

  #isSuspect(batch: SpooledBatch): boolean {
    return (this.#failures.get(batch.id)?.count ?? 0) >= (this.#opts.suspectAfter ?? 3);
  }

  async #acked(batch: SpooledBatch): Promise<void> {
    this.#failover.acked();
    this.#failures.delete(batch.id);
    for (const f of this.#failures.values()) f.ackedBehind = true;
    await this.#spool.ack(batch);
  }

  /** Counts a failed send; true when the batch is to be set aside (it fails, younger ones do not). */
  #failedAgain(batch: SpooledBatch): boolean {
    return (this.#failures.get(batch.id)?.strikes ?? 0) >= (this.#opts.setAsideAfter ?? 5);
  }

  /** Only failures that say nothing about the sender (5xx, network) count; 401/403/409 wait for a person. */
  #noteFailure(batch: SpooledBatch, error: string): void {
    const f = this.#failures.get(batch.id) ?? { count: 0, ackedBehind: false, strikes: 0, lastError: "" };
    f.count++;
    if (f.ackedBehind) f.strikes++;
    f.lastError = error;
    this.#failures.set(batch.id, f);
    // Bounded: entries of batches dropped from the spool (drop-oldest) are never acked.
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  /** Moves the batch to rejected/, counts it and says why; a failed move leaves it queued. */
  async #setAside(batch: SpooledBatch, reason: "refused" | "failing"): Promise<void> {
    const f = this.#failures.get(batch.id);
    try {
      await this.#spool.setAside(batch);
    } catch (err) {
      this.#log.error(
        { batch: batch.id, err: String(err) },
        "cannot move a batch to rejected/; it stays queued",
      );
      this.#spool.release(batch);
      return;
    }
    this.#failures.delete(batch.id);
    this.#metrics.batchesSetAside.inc({ reason });
    this.#log.error(
      { batch: batch.id, records: batch.count, reason, failures: f?.count, aggregator: f?.lastError },
      reason === "refused"
        ? "the aggregator refused this batch; set aside in the spool's rejected/ so the batches behind it ship (its answer is in 'aggregator')"
        : "this batch kept failing while younger batches were stored; set aside in the spool's rejected/ so the rest ship (the last answer is in 'aggregator')",
    );
  }

  /**
   * 409: another running collector uses our collector id (a copied spool). Say so loudly, take a
   * new id (once, however many sends were refused under the old one) and retry: the batch stays
   * spooled, and the aggregator takes it from the new id.
   */
  async #renewCollectorId(refusedId: string, answer: string): Promise<void> {
    if (this.#spool.collectorId !== refusedId) return;
    const renewed = await this.#spool.renewCollectorId();
    this.#log.error(
      { refused: refusedId, collectorId: renewed, aggregator: answer.slice(0, 1000) },
      "the aggregator refused this collector's id: another running collector uses it (a copied spool directory?); this collector took a new id and retries, nothing is lost",
    );
  }

  async #send(batch: SpooledBatch): Promise<Outcome> {
    const url = this.#failover.current();
    if (!url) return "retry";
    const started = performance.now();
    const headers: Record<string, string> = {
      "content-type": BATCH_CONTENT_TYPE,
      "content-encoding": "gzip",
      "x-fleetscope-batch-id": batch.id,
      [COLLECTOR_ID_HEADER]: this.#spool.collectorId,
      [INSTANCE_HEADER]: this.#spool.instance,
    };
    const token = this.#opts.target.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: Buffer;
    try {
      body = await this.#spool.read(batch);
    } catch (err) {
      // The spool's trouble, not the aggregator's: no failover.
      this.#noteFailure(batch, String(err));
      this.#log.warn({ batch: batch.id, err: String(err) }, "cannot read a spooled batch; will retry");
      return "retry";
    }
    try {
      const res = await fetch(new URL("/api/v1/ingest", url), {
        method: "POST",
        headers,
        body: body as Uint8Array<ArrayBuffer>, // readFile never returns a shared buffer
        signal: AbortSignal.timeout(this.#opts.requestTimeoutMs),
      });
      const text = await res.text();
      if (!res.ok) return await this.#notAcked(batch, url, res.status, text, headers);
      this.#metrics.batchesShipped.inc();
      for (const [source, n] of Object.entries(batch.sources))
        this.#metrics.recordsShipped.inc({ source }, n);
      this.#metrics.shipSeconds.observe((performance.now() - started) / 1000);
      return "acked";
    } catch (err) {
      return this.#unreachable(batch, url, err);
    }
  }

  /** The aggregator answered, but not with an ack: what the status says about the batch. */
  async #notAcked(
    batch: SpooledBatch,
    url: string,
    status: number,
    text: string,
    headers: Record<string, string>,
  ): Promise<Outcome> {
    this.#metrics.shipFailures.inc({ reason: String(status) });
    if (status === 401 || status === 403) {
      // Not a network hiccup: nothing will ship until the token is fixed. Say so at error
      // level on every attempt (backed off), and keep the batch in the spool.
      this.#log.error(
        { batch: batch.id, aggregator: url, status, body: text, token: this.#opts.target.tokenSource },
        "aggregator refused this collector's token (where it came from is in 'token'); nothing ships until it is fixed (--token-file, FLEETSCOPE_TOKEN_FILE, FLEETSCOPE_TOKEN or --token-from-etcd: an ingest token from `fleetscope token create --role ingest`); batches stay spooled",
      );
      return "retry";
    }
    if (status === 409) {
      await this.#renewCollectorId(headers[COLLECTOR_ID_HEADER] as string, text);
      return "retry";
    }
    if (status >= 500 || isRefusal(status)) this.#noteFailure(batch, `${status} ${text.slice(0, 500)}`);
    if (isRefusal(status)) return "rejected";
    this.#log.warn(
      { batch: batch.id, aggregator: url, status, body: text },
      "aggregator did not ack; will retry",
    );
    // A 5xx is the aggregator's trouble (its store, say): another aggregator may take the batch.
    return status >= 500 && this.#failover.failed(url, "server-error") ? "failover" : "retry";
  }

  /** No answer at all: no connection, a timeout, TLS. */
  #unreachable(batch: SpooledBatch, url: string, err: unknown): Outcome {
    this.#metrics.shipFailures.inc({ reason: "network" });
    this.#noteFailure(batch, String(err));
    const untrusted = untrustedCertificate(err);
    if (untrusted)
      // Retrying cannot help: say at error level what to give, and keep the batches.
      this.#log.error(
        { batch: batch.id, aggregator: url, err: untrusted },
        "the aggregator's TLS certificate is not trusted: give the CA that signed it with --ca FILE (FLEETSCOPE_CA); batches stay spooled",
      );
    else
      this.#log.warn(
        { batch: batch.id, aggregator: url, err: String(err) },
        "aggregator unreachable; will retry",
      );
    const reason: FailoverReason = (err as Error)?.name === "TimeoutError" ? "timeout" : "network";
    return this.#failover.failed(url, reason) ? "failover" : "retry";
  }
}

// OpenSSL's verdicts on a peer certificate no CA of ours vouches for.
const UNTRUSTED_CERT = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
]);

/** fetch's "fetch failed" hides the reason in its cause: the TLS one, when it is trust. */
function untrustedCertificate(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  return typeof cause?.code === "string" && UNTRUSTED_CERT.has(cause.code)
    ? `${cause.code}: ${String(cause.message)}`
    : undefined;
}
