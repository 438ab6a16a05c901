import type { Logger } from "pino";
import type { CollectorMetrics } from "./metrics.ts";
import type { ShipTarget } from "./ship-target.ts";

/** How a send failed when it says the aggregator, not the batch or the token, is at fault. */
export type FailoverReason = "network" | "timeout" | "server-error";

export interface FailoverOptions {
  /** While on a later aggregator, how often an earlier one is checked (GET /healthz) to go back to it. */
  failbackAfterMs: number;
  /** How long a /healthz check may take. */
  probeTimeoutMs?: number;
}

/**
 * Which of the target's aggregators the next batch goes to: the first, until a send to it fails
 * the way a down aggregator fails (no connection, a timeout, a 5xx); then the next in the list,
 * round the list. While on a later one, every `failbackAfterMs` the earlier ones are asked for
 * /healthz, and the first that answers 200 is shipped to again. A changed list (etcd) starts over
 * at its first aggregator.
 */
export class Failover {
  readonly #target: ShipTarget;
  readonly #opts: FailoverOptions;
  readonly #log: Logger;
  readonly #metrics: CollectorMetrics;
  readonly #abort = new AbortController();
  #list: readonly string[] = [];
  #index = 0;
  /** Aggregators that failed since the last ack: once each has, the shipper backs off. */
  readonly #failedSinceAck = new Set<string>();
  #prober: Promise<void> | undefined;

  constructor(target: ShipTarget, opts: FailoverOptions, log: Logger, metrics: CollectorMetrics) {
    this.#target = target;
    this.#opts = opts;
    this.#log = log;
    this.#metrics = metrics;
    this.#setGauge();
  }

  start(): void {
    this.#prober = this.#probeLoop();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#prober;
  }

  /** The aggregator to send the next batch to; undefined while none is known. */
  current(): string | undefined {
    this.#sync();
    return this.#list[this.#index];
  }

  acked(): void {
    this.#failedSinceAck.clear();
  }

  /**
   * A send to `url` failed the way a down aggregator fails: moves on to the next one (once, when
   * two senders fail on it together). True when the aggregator now current has not failed since
   * the last ack, so the batch goes there at once instead of after a back-off.
   */
  failed(url: string, reason: FailoverReason): boolean {
    this.#sync();
    this.#failedSinceAck.add(url);
    if (this.#list.length > 1 && this.#list[this.#index] === url) {
      this.#index = (this.#index + 1) % this.#list.length;
      this.#metrics.failovers.inc({ reason });
      this.#setGauge();
      this.#log.warn(
        { from: url, to: this.#list[this.#index], reason },
        "aggregator failing; shipping to the next one (batches not acked are sent there whole, nothing is lost)",
      );
    }
    const now = this.#list[this.#index];
    return now !== undefined && !this.#failedSinceAck.has(now);
  }

  /** Takes the target's current list; a new one starts at its first aggregator. */
  #sync(): void {
    const list = this.#target.aggregators();
    if (list.length === this.#list.length && list.every((u, i) => u === this.#list[i])) return;
    this.#list = list;
    this.#index = 0;
    this.#failedSinceAck.clear();
    this.#setGauge();
  }

  #setGauge(): void {
    this.#metrics.aggregatorIndex.set(this.#list.length === 0 ? -1 : this.#index);
  }

  async #probeLoop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      await sleep(this.#opts.failbackAfterMs, signal);
      this.#sync();
      if (this.#index > 0 && !signal.aborted) await this.#failBack(signal);
    }
  }

  /** Goes back to the first earlier aggregator whose /healthz answers 200 (no token needed). */
  async #failBack(signal: AbortSignal): Promise<void> {
    const list = this.#list;
    const from = this.#index;
    for (let i = 0; i < from; i++) {
      const url = list[i] as string;
      if (!(await healthy(url, this.#opts.probeTimeoutMs ?? 5000, signal))) continue;
      if (this.#list !== list || this.#index !== from) return; // moved meanwhile
      this.#index = i;
      this.#failedSinceAck.delete(url);
      this.#setGauge();
      this.#log.info({ from: list[from], to: url }, "an earlier aggregator answers again; shipping to it");
      return;
    }
  }
}

async function healthy(url: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  try {
    const res = await fetch(new URL("/healthz", url), {
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Waits `ms`, or less when `signal` aborts; true when it was woken early. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const done = (early: boolean) => {
      clearTimeout(t);
      signal.removeEventListener("abort", onAbort);
      resolve(early);
    };
    const onAbort = () => done(true);
    const t = setTimeout(() => done(false), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
