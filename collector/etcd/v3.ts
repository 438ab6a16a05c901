// etcd's v3 API through its JSON gateway (etcd ≥ 3.4 serves it under /v3/): what
// `ETCDCTL_API=3 etcdctl put KEY VALUE` writes. Keys and values travel base64-encoded; numbers
// (revisions) as strings.
import type { EtcdKeyApi, KeyRead } from "./api.ts";
import { type EtcdHttp, READ_TIMEOUT_MS } from "./http.ts";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const JSON_HEADERS = { "content-type": "application/json" };
/** A watch message longer than this without a line end is not etcd's. */
const MAX_MESSAGE_BYTES = 4 * 1024 ** 2;

interface RangeAnswer {
  header?: { revision?: string };
  kvs?: { value?: string }[];
}

interface WatchMessage {
  result?: { created?: boolean; canceled?: boolean; compact_revision?: string; events?: unknown[] };
  error?: { message?: string };
}

export class EtcdV3 implements EtcdKeyApi {
  readonly name = "v3";
  readonly #http: EtcdHttp;

  constructor(http: EtcdHttp) {
    this.#http = http;
  }

  async get(key: string, signal: AbortSignal): Promise<KeyRead | "unserved"> {
    const res = await this.#http.request("/v3/kv/range", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ key: b64(key) }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(READ_TIMEOUT_MS)]),
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return "unserved";
    }
    const answer = await this.#http.json<RangeAnswer>(res, "POST /v3/kv/range");
    const kv = answer.kvs?.[0];
    return {
      value: kv ? Buffer.from(kv.value ?? "", "base64").toString("utf8") : undefined,
      revision: Number(answer.header?.revision ?? 0),
    };
  }

  /** A watch from the revision after `revision`; the first event (or cancel) ends it. */
  async changed(key: string, revision: number, signal: AbortSignal): Promise<void> {
    const res = await this.#http.request("/v3/watch", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ create_request: { key: b64(key), start_revision: String(revision + 1) } }),
      signal,
    });
    if (!res.ok || !res.body) await this.#http.json(res, "POST /v3/watch"); // throws with the answer
    for await (const message of jsonLines(res.body as ReadableStream<Uint8Array>)) {
      const m = message as WatchMessage;
      if (m.error)
        throw new Error(`etcd ended the watch of ${key}: ${m.error.message ?? JSON.stringify(m.error)}`);
      const r = m.result ?? {};
      // Compacted or canceled: etcd cannot replay from `revision`; reading again catches up.
      if ((r.events?.length ?? 0) > 0 || r.canceled || r.compact_revision) return;
    }
    throw new Error(`etcd closed the watch of ${key}`);
  }
}

/** The gateway streams one JSON message a line. */
async function* jsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    let end = pending.indexOf("\n");
    while (end >= 0) {
      const line = pending.slice(0, end).trim();
      pending = pending.slice(end + 1);
      if (line !== "") yield JSON.parse(line);
      end = pending.indexOf("\n");
    }
    if (pending.length > MAX_MESSAGE_BYTES) throw new Error("etcd's watch stream sent an endless line");
  }
  if (pending.trim() !== "") yield JSON.parse(pending);
}
