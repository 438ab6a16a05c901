// etcd's v2 API (/v2/keys; etcd 3.x serves it with --enable-v2): what `etcdctl set KEY VALUE`
// writes with the v2 etcdctl (ETCDCTL_API=2 on etcd 3.4), as CoreOS machines used it.
import type { EtcdKeyApi, KeyRead } from "./api.ts";
import { type EtcdHttp, READ_TIMEOUT_MS } from "./http.ts";

/** etcd's v2 error codes the client acts on. */
const KEY_NOT_FOUND = 100;
const EVENT_INDEX_CLEARED = 401;

interface V2Answer {
  node?: { value?: string; dir?: boolean };
  errorCode?: number;
  index?: number;
}

/** `/fleetscope/token` → `/v2/keys/fleetscope/token` (v2 keys are paths: the leading slash is implied). */
function keyPath(key: string): string {
  return `/v2/keys/${key
    .split("/")
    .filter((s) => s !== "")
    .map(encodeURIComponent)
    .join("/")}`;
}

function parse(text: string): V2Answer | undefined {
  try {
    return JSON.parse(text) as V2Answer;
  } catch {
    return undefined;
  }
}

export class EtcdV2 implements EtcdKeyApi {
  readonly name = "v2";
  readonly #http: EtcdHttp;

  constructor(http: EtcdHttp) {
    this.#http = http;
  }

  async get(key: string, signal: AbortSignal): Promise<KeyRead | "unserved"> {
    const path = keyPath(key);
    const res = await this.#http.request(path, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(READ_TIMEOUT_MS)]),
    });
    const text = await res.text();
    const answer = parse(text);
    const revision = Number(res.headers.get("x-etcd-index") ?? answer?.index ?? 0);
    if (res.ok && answer?.node?.dir) throw new Error(`etcd's v2 key ${key} is a directory, not a value`);
    if (res.ok && answer?.node) return { value: answer.node.value ?? "", revision };
    if (res.status === 404 && answer?.errorCode === KEY_NOT_FOUND) return { value: undefined, revision };
    // etcd without --enable-v2 answers a plain "404 page not found".
    if (res.status === 404) return "unserved";
    throw new Error(`etcd answered ${res.status} to GET ${path}: ${text.slice(0, 300)}`);
  }

  /** A long poll (`?wait=true&waitIndex=`): etcd answers with the first change after `revision`. */
  async changed(key: string, revision: number, signal: AbortSignal): Promise<void> {
    const path = `${keyPath(key)}?wait=true&waitIndex=${revision + 1}`;
    const res = await this.#http.request(path, { signal });
    const text = await res.text();
    // An event, or an empty answer (etcd ended the poll): read again either way.
    if (res.ok) return;
    // The index fell out of etcd's event history (1000 events): reading again catches up.
    if (parse(text)?.errorCode === EVENT_INDEX_CLEARED) return;
    throw new Error(`etcd answered ${res.status} to GET ${path}: ${text.slice(0, 300)}`);
  }
}
