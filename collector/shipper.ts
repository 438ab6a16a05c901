import type { Logger } from "pino";
import { BATCH_CONTENT_TYPE } from "../protocol/batch.ts";
import type { CollectorMetrics } from "./metrics.ts";
import type { Spool, SpooledBatch } from "./spool/spool.ts";

export interface ShipperOptions {
  /** Base URL of the aggregator, e.g. http://127.0.0.1:8470 */
  aggregatorUrl: string;
  token?: string;
  requestTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Batches in flight at once. */
  concurrency: number;
}

type Outcome = "acked" | "rejected" | "retry";

/**
 * Sends spooled batches to the aggregator, oldest first, and deletes each only once the
 * aggregator acks it (which it does after the store committed the rows). Failures back off
 * exponentially; the spool keeps everything meanwhile.
 */
export class Shipper {
  readonly #spool: Spool;
  readonly #opts: ShipperOptions;
  readonly #log: Logger;
  readonly #metrics: CollectorMetrics;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(spool: Spool, opts: ShipperOptions, log: Logger, metrics: CollectorMetrics) {
    this.#spool = spool;
    this.#opts = opts;
    this.#log = log;
    this.#metrics = metrics;
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Stops after the batch in flight, if any. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  /** Ships until the spool is empty or the deadline passes; used for a clean shutdown. */
  async drain(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (this.#spool.oldest() && Date.now() < until && !this.#abort.signal.aborted) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** `concurrency` senders, so parsing and inserting one batch overlaps sending the next. */
  async #run(): Promise<void> {
    await Promise.all(Array.from({ length: this.#opts.concurrency }, () => this.#sender()));
  }

  async #sender(): Promise<void> {
    const signal = this.#abort.signal;
    let backoffMs = 0;
    while (!signal.aborted) {
      await this.#spool.waitForBatch(signal);
      const batch = this.#spool.claim();
      if (!batch || signal.aborted) {
        if (batch) this.#spool.release(batch);
        continue;
      }
      const outcome = await this.#send(batch);
      if (outcome === "acked") await this.#spool.ack(batch);
      if (outcome === "rejected") await this.#spool.reject(batch);
      if (outcome === "retry") {
        this.#spool.release(batch);
        backoffMs = Math.min(this.#opts.maxBackoffMs, Math.max(this.#opts.minBackoffMs, backoffMs * 2));
        await sleep(backoffMs, signal);
      } else {
        backoffMs = 0;
      }
    }
  }

  async #send(batch: SpooledBatch): Promise<Outcome> {
    const started = performance.now();
    const headers: Record<string, string> = {
      "content-type": BATCH_CONTENT_TYPE,
      "content-encoding": "gzip",
      "x-fleetscope-batch-id": batch.id,
    };
    if (this.#opts.token) headers.authorization = `Bearer ${this.#opts.token}`;
    try {
      const body = await this.#spool.read(batch);
      const res = await fetch(new URL("/api/v1/ingest", this.#opts.aggregatorUrl), {
        method: "POST",
        headers,
        body: body as Uint8Array<ArrayBuffer>, // readFile never returns a shared buffer
        signal: AbortSignal.timeout(this.#opts.requestTimeoutMs),
      });
      const text = await res.text();
      if (res.ok) {
        this.#metrics.batchesShipped.inc();
        for (const [source, n] of Object.entries(batch.sources))
          this.#metrics.recordsShipped.inc({ source }, n);
        this.#metrics.shipSeconds.observe((performance.now() - started) / 1000);
        return "acked";
      }
      this.#metrics.shipFailures.inc({ reason: String(res.status) });
      if (res.status === 400 || res.status === 413) {
        this.#log.error(
          { batch: batch.id, status: res.status, body: text },
          "aggregator refused batch; kept in corrupt/",
        );
        return "rejected";
      }
      this.#log.warn(
        { batch: batch.id, status: res.status, body: text },
        "aggregator did not ack; will retry",
      );
      return "retry";
    } catch (err) {
      this.#metrics.shipFailures.inc({ reason: "network" });
      this.#log.warn({ batch: batch.id, err: String(err) }, "aggregator unreachable; will retry");
      return "retry";
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
