// The TUI's only way to the data: GET requests to the aggregator's public REST API.

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

export type Params = Record<string, string | number | undefined>;

export interface ApiClient {
  readonly url: string;
  get<T>(path: string, params?: Params): Promise<T>;
}

export function createApiClient(url: string, token?: string, timeoutMs = 10_000): ApiClient {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  return {
    url,
    async get<T>(path: string, params: Params = {}): Promise<T> {
      const u = new URL(path, `${url}/`);
      for (const [k, v] of Object.entries(params))
        if (v !== undefined && v !== "") u.searchParams.set(k, String(v));
      let res: Response;
      try {
        res = await fetch(u, { headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const cause = (err as Error).cause as { code?: string } | undefined;
        throw new Unreachable(url, cause?.code ?? (err as Error).message);
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError(res.status, `${res.status} from ${u.pathname}: not JSON`);
      }
      if (!res.ok)
        throw new ApiError(
          res.status,
          (body as { error?: string }).error ?? `${res.status} from ${u.pathname}`,
        );
      return body as T;
    },
  };
}
