// The readers' only way to the data (the CLI's API commands and the TUI): GET requests to the
// aggregator's public REST API, and what its failures mean.

/** The aggregator did not answer at all (down, wrong URL, timeout): worth retrying. */
export class Unreachable extends Error {
  /** ECONNREFUSED, a timeout … */
  readonly reason: string;
  constructor(url: string, reason: string) {
    super(`cannot reach the aggregator at ${url} (${reason})`);
    this.reason = reason;
  }
}

/** The aggregator answered with an error; its message is meant for a person. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Something answered, but not the aggregator's API: not JSON (an HTML page, a proxy's error), or
 * an error without the aggregator's `{"error": …}`. The URL is probably wrong.
 */
export class NotAnAggregator extends ApiError {
  constructor(url: string, path: string, status: number, what: string) {
    super(
      status,
      `${url} does not look like a fleetscope aggregator: GET ${path} answered ${status} with ${what}; is the URL right? (--url)`,
    );
  }
}

/** "text/html: <!doctype html><title>…" — what an unexpected answer was, in a few words. */
export function describeBody(contentType: string | null, text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const start = flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
  return `${contentType?.split(";")[0] || "no content type"}${start ? `: ${start}` : " (empty)"}`;
}

export type Params = Record<string, string | number | undefined>;

export interface ApiClient {
  readonly url: string;
  get<T>(path: string, params?: Params): Promise<T>;
  /** A request that changes something (the admin API): a JSON body, if any, and a JSON answer. */
  send<T>(method: "POST" | "DELETE", path: string, body?: unknown): Promise<T>;
}

/** A client of the API at `url`, sending `token` as `Authorization: Bearer` (never in the URL). */
export function createApiClient(url: string, token?: string, timeoutMs = 10_000): ApiClient {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const request = <T>(method: string, path: string, params: Params, body?: unknown): Promise<T> => {
    const u = new URL(path, `${url}/`);
    for (const [k, v] of Object.entries(params))
      if (v !== undefined && v !== "") u.searchParams.set(k, String(v));
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(timeoutMs) };
    if (body !== undefined) {
      init.headers = { ...headers, "content-type": "application/json" };
      init.body = JSON.stringify(body);
    }
    return answerOf<T>(url, u, init);
  };
  return {
    url,
    get: <T>(path: string, params: Params = {}) => request<T>("GET", path, params),
    send: <T>(method: "POST" | "DELETE", path: string, body?: unknown) => request<T>(method, path, {}, body),
  };
}

/** Sends one request: its JSON answer, or the error it stands for. */
async function answerOf<T>(url: string, u: URL, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(u, init);
  } catch (err) {
    const cause = (err as Error).cause as { code?: string } | undefined;
    throw new Unreachable(url, cause?.code ?? (err as Error).message);
  }
  const text = await res.text();
  const notOurs = () =>
    new NotAnAggregator(url, u.pathname, res.status, describeBody(res.headers.get("content-type"), text));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw notOurs();
  }
  if (typeof body !== "object" || body === null) throw notOurs();
  if (!res.ok) {
    const error = (body as { error?: unknown }).error;
    if (typeof error !== "string") throw notOurs();
    throw new ApiError(res.status, error);
  }
  return body as T;
}

/**
 * `client`, checking each answer has `key` (`containers`, `logs` …): a JSON answer without it
 * comes from some other service at that URL, and reading on would fail with a TypeError.
 */
export function expecting(client: ApiClient, key: string): ApiClient {
  return {
    url: client.url,
    send: client.send,
    async get<T>(path: string, params: Params = {}): Promise<T> {
      const body = await client.get<Record<string, unknown>>(path, params);
      if (!(key in body))
        throw new NotAnAggregator(
          client.url,
          path,
          200,
          describeBody("application/json", JSON.stringify(body)),
        );
      return body as T;
    },
  };
}

/** GET `path`, whose answer has `key` (see `expecting`). */
export const getAnswer = <T>(client: ApiClient, path: string, params: Params, key: string): Promise<T> =>
  expecting(client, key).get<T>(path, params);

/** Worth retrying while following: the aggregator is restarting, or a proxy cannot reach it yet. */
export function isTransient(err: unknown): boolean {
  return err instanceof Unreachable || (err instanceof ApiError && [502, 503, 504].includes(err.status));
}
