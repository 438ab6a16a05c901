// Follows one etcd key: reads it, applies its value, waits for its next change and reads again.
// etcd unreachable or a watch broken: logged, and retried with a back-off (0.5 s doubling to 30 s);
// the last good value stays in use meanwhile.
import type { Logger } from "pino";
import { sleep } from "../failover.ts";
import { reason } from "./http.ts";
import type { EtcdKey, KeyState } from "./key.ts";

/** Read again this often even when no change was seen: a watch on a connection that died silently ends. */
const RECHECK_MS = 5 * 60_000;
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

export interface KeyWatcherOptions<T> {
  key: EtcdKey;
  /** What the key holds, for logs: "the aggregator URL(s)". */
  what: string;
  /** What to write, for the log of a missing key: `etcdctl put KEY <example>`. */
  example: string;
  /** The value to use, or an Error saying what is wrong with it (never quoting a secret). */
  parse(raw: string): T | Error;
  apply(value: T): void;
  /** Never log the value (a token). */
  secret: boolean;
  log: Logger;
  recheckMs?: number;
}

export class KeyWatcher<T> {
  readonly #o: KeyWatcherOptions<T>;
  /** The raw value in use; undefined until the key was read set. */
  #current: string | undefined;
  /** What was last said about the key, so a state is logged once, not at every read. */
  #said = "";

  constructor(options: KeyWatcherOptions<T>) {
    this.#o = options;
  }

  async run(signal: AbortSignal): Promise<void> {
    let backoffMs = 0;
    while (!signal.aborted) {
      const recheck = AbortSignal.any([signal, AbortSignal.timeout(this.#o.recheckMs ?? RECHECK_MS)]);
      try {
        const state = await this.#o.key.read(recheck);
        if (this.#said.startsWith("failing:"))
          this.#say("answering", "info", {}, `etcd answers again; following key ${this.#o.key.key}`);
        this.#take(state);
        await this.#o.key.changed(state, recheck);
        // Reset only once a watch ended in a change: reads that work beside a watch that fails back off too.
        backoffMs = 0;
      } catch (err) {
        if (recheck.aborted) {
          backoffMs = 0; // stopping, or the periodic re-read of a watch that lasted its time
          continue;
        }
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, backoffMs * 2));
        this.#say(
          `failing:${reason(err)}`,
          "warn",
          { err: reason(err), retryInMs: backoffMs },
          `cannot follow etcd key ${this.#o.key.key} (${this.#o.what}); retrying, ${this.#current === undefined ? "nothing ships until it is read" : "its last value stays in use"}`,
        );
        await sleep(backoffMs, signal);
      }
    }
  }

  /** Applies a read: a new good value is used from the next batch on; anything else keeps the last. */
  #take(state: KeyState): void {
    const raw = state.value?.trim() ?? "";
    if (raw === "") this.#missing();
    else if (raw === this.#current) this.#say("set", "debug", {}, "");
    else this.#changed(raw, state);
  }

  #missing(): void {
    const key = this.#o.key.key;
    const { what, example } = this.#o;
    if (this.#current === undefined)
      this.#say(
        "waiting",
        "warn",
        {},
        `waiting for etcd key ${key} (${what}); nothing ships until it is set: etcdctl put ${key} ${example} (with the v2 API: etcdctl set)`,
      );
    else
      this.#say(
        "unset",
        "warn",
        {},
        `etcd key ${key} (${what}) was deleted or emptied; its last value stays in use until it is set again`,
      );
  }

  #changed(raw: string, state: KeyState): void {
    const key = this.#o.key.key;
    const what = this.#o.what;
    const parsed = this.#o.parse(raw);
    const first = this.#current === undefined;
    if (parsed instanceof Error) {
      const keeping = first ? "still waiting for a good one" : "its last value stays in use";
      this.#say(
        `bad:${raw}`,
        "error",
        { api: state.api },
        `etcd key ${key} does not hold ${what}: ${parsed.message}; ${keeping}`,
      );
      return;
    }
    this.#current = raw;
    this.#o.apply(parsed);
    const value = this.#o.secret ? {} : { value: raw };
    this.#say(
      "set",
      "info",
      { api: state.api, ...value },
      first
        ? `read ${what} from etcd key ${key}`
        : `${what} changed in etcd key ${key}; the next batch uses it`,
    );
  }

  /** Logs `message` unless `state` is the one last logged. */
  #say(state: string, level: "debug" | "info" | "warn" | "error", fields: object, message: string): void {
    if (state === this.#said && level !== "info") return;
    this.#said = state;
    if (message !== "") this.#o.log[level]({ key: this.#o.key.key, ...fields }, message);
  }
}
