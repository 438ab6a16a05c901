// A ship target whose aggregator list and/or ingest token live in etcd keys (--aggregator-from-etcd,
// --token-from-etcd), the way CoreOS node agents took theirs (`etcdctl get /…/token`). Each key is
// followed (key-watcher.ts); a change applies to the next batch. The token stays in memory only.
import type { Logger } from "pino";
import { shownUrls } from "../../protocol/peer-url.ts";
import type { EtcdApiMode } from "../flags.ts";
import { parseUrlList } from "../flags.ts";
import type { ShipTarget } from "../ship-target.ts";
import { EtcdHttp } from "./http.ts";
import { EtcdKey } from "./key.ts";
import { KeyWatcher } from "./key-watcher.ts";

export interface EtcdTargetOptions {
  endpoints: readonly string[];
  api: EtcdApiMode;
  /** The key holding the aggregator URL(s); without it, `aggregators`. */
  aggregatorKey?: string;
  aggregators: readonly string[];
  /** The key holding the ingest token; without it, `token` (from --token-file or FLEETSCOPE_TOKEN). */
  tokenKey?: string;
  token?: string;
  tokenSource: string;
  log: Logger;
}

/** A token goes into an HTTP header: visible ASCII only (a stray space or newline is a mistake, not a token). */
function parseToken(raw: string): string | Error {
  return /^[\x21-\x7e]+$/.test(raw)
    ? raw
    : new Error("the value holds spaces or characters a token cannot (only its first line is read)");
}

export class EtcdShipTarget implements ShipTarget {
  readonly tokenSource: string;
  readonly #o: EtcdTargetOptions;
  readonly #abort = new AbortController();
  readonly #listeners = new Set<() => void>();
  readonly #watchers: Promise<void>[] = [];
  #aggregators: readonly string[];
  #token: string | undefined;
  #isKnown = false;
  #knownNow!: () => void;
  readonly #known = new Promise<void>((resolve) => {
    this.#knownNow = resolve;
  });

  constructor(options: EtcdTargetOptions) {
    this.#o = options;
    this.#aggregators = options.aggregatorKey ? [] : options.aggregators;
    this.#token = options.tokenKey ? undefined : options.token;
    this.tokenSource = options.tokenKey
      ? `etcd key ${options.tokenKey} (--token-from-etcd, etcd ${options.endpoints.join(", ")})`
      : options.tokenSource;
    this.#checkKnown();
  }

  /** Starts following the keys; the shipper waits (known()) until each was read once. */
  start(): void {
    const o = this.#o;
    const http = new EtcdHttp(o.endpoints);
    const log = o.log.child({ component: "etcd" });
    const signal = this.#abort.signal;
    if (o.aggregatorKey) {
      const watcher = new KeyWatcher<string[]>({
        key: new EtcdKey(http, o.aggregatorKey, o.api),
        what: "the aggregator URL(s)",
        example: "http://10.0.0.5:8470",
        parse: (raw) => urlsOrError(raw),
        apply: (urls) => this.#set(() => (this.#aggregators = urls)),
        secret: false,
        log,
      });
      this.#watchers.push(watcher.run(signal));
    }
    if (o.tokenKey) {
      const watcher = new KeyWatcher<string>({
        key: new EtcdKey(http, o.tokenKey, o.api),
        what: "the ingest token",
        example: "TOKEN (an ingest token: fleetscope token create --role ingest)",
        parse: (raw) => parseToken(raw.split("\n")[0]?.trim() ?? ""),
        apply: (token) => this.#set(() => (this.#token = token)),
        secret: true,
        log,
      });
      this.#watchers.push(watcher.run(signal));
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#watchers);
  }

  aggregators(): readonly string[] {
    return this.#aggregators;
  }

  token(): string | undefined {
    return this.#token;
  }

  async known(signal: AbortSignal): Promise<void> {
    if (this.#isKnown || signal.aborted) return;
    await Promise.race([
      this.#known,
      new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })),
    ]);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  describe(): string {
    const where = this.#o.aggregatorKey
      ? `the aggregator(s) in etcd key ${this.#o.aggregatorKey}`
      : this.#o.aggregators.join(", ");
    return `${where} (etcd ${shownUrls(this.#o.endpoints)})`;
  }

  #set(change: () => void): void {
    change();
    this.#checkKnown();
    for (const listener of this.#listeners) listener();
  }

  #checkKnown(): void {
    if (this.#aggregators.length === 0 || (this.#o.tokenKey && this.#token === undefined)) return;
    this.#isKnown = true;
    this.#knownNow();
  }
}

function urlsOrError(raw: string): string[] | Error {
  try {
    return parseUrlList(raw, "http://10.0.0.5:8470");
  } catch (err) {
    return err as Error;
  }
}
