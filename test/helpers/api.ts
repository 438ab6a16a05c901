// The one way tests call the API over HTTP: like a client holding a token. Stacks started by the
// helpers in stack.ts register their base URL's token here, so a test just names the URL.
const tokens = new Map<string, string>();

/** Remembers the token a client of `base` presents (its origin: scheme, host and port). */
export function rememberToken(base: string, token: string): void {
  tokens.set(new URL(base).origin, token);
}

/** The token remembered for `base`'s origin, if any. */
export function tokenFor(base: string): string | undefined {
  return tokens.get(new URL(base).origin);
}

/**
 * fetch(base + path) with `Authorization: Bearer <token of base>` unless the caller sets its own
 * authorization header (or `{ token: null }` to send none, as an anonymous client).
 */
export function apiFetch(
  base: string,
  path: string,
  init: RequestInit & { token?: string | null } = {},
): Promise<Response> {
  const { token: given, ...rest } = init;
  const headers = new Headers(rest.headers);
  const token = given === null ? undefined : (given ?? tokenFor(base));
  if (token && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
  return fetch(new URL(path, base), { ...rest, headers });
}

/** GET a JSON API path with the remembered token; throws with the body on a non-2xx answer. */
export async function getJson<T = Record<string, unknown>>(base: string, path: string): Promise<T> {
  const res = await apiFetch(base, path);
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${body}`);
  return JSON.parse(body) as T;
}

/** Creates a token through the admin API (with the remembered admin token); its secret. */
export async function createToken(
  base: string,
  spec: {
    name?: string;
    role: "ingest" | "read" | "admin";
    logSet?: string;
    readLogSets?: string[];
    readHosts?: string[];
  },
): Promise<{ id: string; secret: string }> {
  const res = await apiFetch(base, "/api/v1/tokens", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: `test ${spec.role}`, ...spec }),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`POST /api/v1/tokens → ${res.status}: ${body}`);
  const created = JSON.parse(body) as { token: { id: string }; secret: string };
  return { id: created.token.id, secret: created.secret };
}

/**
 * The environment a `fleetscope` command run by a test gets: FLEETSCOPE_TOKEN of the `--url` it
 * names, unless the test sets FLEETSCOPE_TOKEN or FLEETSCOPE_TOKEN_FILE itself (to undefined for none).
 */
export function tokenEnv(args: string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if ("FLEETSCOPE_TOKEN" in env || "FLEETSCOPE_TOKEN_FILE" in env) return env;
  const i = args.indexOf("--url");
  const url = i >= 0 ? args[i + 1] : (env.FLEETSCOPE_URL ?? process.env.FLEETSCOPE_URL);
  const token = url && URL.canParse(url) ? tokenFor(url) : undefined;
  return token ? { ...env, FLEETSCOPE_TOKEN: token } : env;
}
