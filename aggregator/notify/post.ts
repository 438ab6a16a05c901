// One JSON POST to a peer, bounded in time, and the backoff between failed ones.
import { peerRequest, shownUrl } from "../../protocol/peer-url.ts";

const TIMEOUT_MS = 10_000;

/**
 * POSTs `body`; throws with the status and the start of the answer unless it is a 2xx. Credentials
 * in `url` go as Basic auth, and no error shows them.
 */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const peer = peerRequest(url);
  const res = await fetch(peer.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...peer.headers, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
    redirect: "error",
  });
  const text = await res.text().catch(() => "");
  if (!res.ok) throw new Error(`${shownUrl(url)} answered ${res.status}: ${text.slice(0, 200)}`);
}

/** 1 s, 2 s, 4 s … after the 1st, 2nd, 3rd failure in a row, never more than `maxMs`. */
export const backoffMs = (failures: number, maxMs: number) =>
  Math.min(maxMs, 1000 * 2 ** Math.min(20, Math.max(0, failures - 1)));

/** The reason an error gives, for a log line (fetch hides the socket's in `cause`). */
export const reasonOf = (err: unknown) => {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  return [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(": ");
};
