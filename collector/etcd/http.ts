// The etcd endpoints (--etcd): a request goes to the one that answered last, and on to the next
// when it cannot be reached, so one etcd member down does not stop the collector following its keys.
// An endpoint's `user:password@` goes as Basic auth (etcd's v2 auth, or a proxy in front).
import { peerRequest, shownUrls } from "../../protocol/peer-url.ts";

/** How long one plain read may take; watches run until a change or their caller's signal. */
export const READ_TIMEOUT_MS = 10_000;

export class EtcdHttp {
  readonly endpoints: readonly string[];
  #current = 0;

  constructor(endpoints: readonly string[]) {
    if (endpoints.length === 0) throw new Error("at least one etcd endpoint is needed (--etcd)");
    this.endpoints = endpoints;
  }

  /** `path` on the first endpoint that answers at all (any HTTP status), from the last that did. */
  async request(
    path: string,
    init: Omit<RequestInit, "headers"> & { signal: AbortSignal; headers?: Record<string, string> },
  ): Promise<Response> {
    let lastError: unknown;
    for (let n = 0; n < this.endpoints.length; n++) {
      const i = (this.#current + n) % this.endpoints.length;
      try {
        const peer = peerRequest(this.endpoints[i] as string, path);
        const res = await fetch(peer.url, { ...init, headers: { ...peer.headers, ...init.headers } });
        this.#current = i;
        return res;
      } catch (err) {
        if (init.signal.aborted) throw err;
        lastError = err;
      }
    }
    throw new Error(`no etcd endpoint answers (${shownUrls(this.endpoints)}; --etcd): ${reason(lastError)}`);
  }

  /** A JSON answer, or an Error with the status and the start of the body. */
  async json<T>(res: Response, what: string): Promise<T> {
    const text = await res.text();
    if (!res.ok) throw new Error(`etcd answered ${res.status} to ${what}: ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`etcd's answer to ${what} is not JSON: ${text.slice(0, 300)}`);
    }
  }
}

/** fetch's "fetch failed" keeps the reason (ECONNREFUSED …) in its cause. */
export function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const message = err instanceof Error ? err.message : String(err);
  return cause ? `${message} (${cause.code ?? cause.message})` : message;
}
