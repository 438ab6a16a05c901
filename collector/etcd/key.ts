// One etcd key across the APIs --etcd-api allows: v3, v2, or both (auto: v3 first).
import type { EtcdApiMode } from "../flags.ts";
import type { EtcdApiName, EtcdKeyApi } from "./api.ts";
import type { EtcdHttp } from "./http.ts";
import { EtcdV2 } from "./v2.ts";
import { EtcdV3 } from "./v3.ts";

/** A read of the key: its value (from the first API that has it) and where to watch for the next change. */
export interface KeyState {
  value: string | undefined;
  /** The API the value came from. */
  api?: EtcdApiName;
  watch: { api: EtcdKeyApi; revision: number }[];
}

const UNSERVED: Record<EtcdApiMode, string> = {
  v3: "serves no v3 JSON gateway (POST /v3/kv/range answered 404; etcd older than 3.4?): give --etcd-api v2",
  v2: "does not serve the v2 API (GET /v2/keys answered 404): start etcd with --enable-v2=true, or give --etcd-api v3",
  auto: "serves neither the v3 JSON gateway (/v3/kv/range) nor the v2 API (/v2/keys, etcd --enable-v2=true)",
};

export class EtcdKey {
  readonly key: string;
  readonly #mode: EtcdApiMode;
  readonly #http: EtcdHttp;
  readonly #apis: EtcdKeyApi[];

  constructor(http: EtcdHttp, key: string, mode: EtcdApiMode) {
    this.key = key;
    this.#mode = mode;
    this.#http = http;
    const v3 = new EtcdV3(http);
    const v2 = new EtcdV2(http);
    this.#apis = mode === "v3" ? [v3] : mode === "v2" ? [v2] : [v3, v2];
  }

  /**
   * The value from the first API that has the key (under auto, v3 before v2: a key written with
   * the v2 `etcdctl set` lives only in v2). Not set anywhere: watched in every API that is served.
   */
  async read(signal: AbortSignal): Promise<KeyState> {
    const watch: KeyState["watch"] = [];
    for (const api of this.#apis) {
      const r = await api.get(this.key, signal);
      if (r === "unserved") continue;
      if (r.value !== undefined)
        return { value: r.value, api: api.name, watch: [{ api, revision: r.revision }] };
      watch.push({ api, revision: r.revision });
    }
    if (watch.length === 0)
      throw new Error(`etcd at ${this.#http.endpoints.join(", ")} ${UNSERVED[this.#mode]}`);
    return { value: undefined, watch };
  }

  /** Until the key changes in any API it is watched in (the other watches are then ended). */
  async changed(state: KeyState, signal: AbortSignal): Promise<void> {
    const done = new AbortController();
    const either = AbortSignal.any([signal, done.signal]);
    try {
      await Promise.race(state.watch.map((w) => w.api.changed(this.key, w.revision, either)));
    } finally {
      done.abort();
    }
  }
}
