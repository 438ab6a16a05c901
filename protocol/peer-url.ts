// The URLs of peers an operator gives (Alertmanager, a webhook, etcd, ClickHouse, the aggregator)
// may carry credentials: `https://user:pw@alertmanager:9093` is how a peer behind basic auth is
// usually written. Two things follow, both here so no caller gets them wrong:
// - fetch refuses such a URL outright, with an error that prints the password; peerRequest moves
//   the credentials into a Basic Authorization header instead;
// - no log line, start line or error may show them; shownUrl masks them (and the values of query
//   parameters named like secrets, `?token=…`), on text that is not a valid URL too.
import { looksSecret, SECRET_MASK } from "./secrets.ts";

/** `scheme://userinfo@`: the user info, with or without a password. */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]*)@/gi;
/** `?name=value` / `&name=value`. */
const QUERY_PARAM = /([?&])([^=&#\s]+)=([^&#\s]*)/g;

/**
 * `url` as logs and messages may show it: a password in the user info masked (a user name alone is
 * masked too: it is often a token), and the values of query parameters whose names look secret.
 */
export function shownUrl(url: string | URL): string {
  return String(url)
    .replace(USERINFO, (_, scheme: string, info: string) => {
      const colon = info.indexOf(":");
      return `${scheme}${colon < 0 ? SECRET_MASK : `${info.slice(0, colon)}:${SECRET_MASK}`}@`;
    })
    .replace(QUERY_PARAM, (whole, sep: string, name: string) =>
      looksSecret(safeDecode(name)) ? `${sep}${name}=${SECRET_MASK}` : whole,
    );
}

/** Several URLs for one line of text. */
export const shownUrls = (urls: readonly string[]) => urls.map(shownUrl).join(", ");

/** Whether `url` carries `user@` or `user:password@`. */
export function hasCredentials(url: string | URL): boolean {
  const u = new URL(url);
  return u.username !== "" || u.password !== "";
}

/**
 * `path` (if any) resolved against `base`, without the user info, and the Basic Authorization
 * header that carries it instead (none when there is none).
 */
export function peerRequest(
  base: string | URL,
  path?: string,
): { url: URL; headers: Record<string, string> } {
  const url = path === undefined ? new URL(base) : new URL(path, base);
  if (!hasCredentials(url)) return { url, headers: {} };
  const basic = `${safeDecode(url.username)}:${safeDecode(url.password)}`;
  url.username = "";
  url.password = "";
  return { url, headers: { authorization: `Basic ${Buffer.from(basic).toString("base64")}` } };
}

/**
 * An http(s) URL a flag gives, without trailing slashes. `credentials: "refuse"` is for URLs that
 * authenticate otherwise (the aggregator takes a bearer token: a Basic header would replace it).
 * Errors show the value through shownUrl.
 */
export function checkHttpUrl(
  value: string,
  example: string,
  credentials: "allow" | "refuse" = "allow",
): string {
  const url = value.replace(/\/+$/, "");
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {}
  if (parsed?.protocol !== "http:" && parsed?.protocol !== "https:")
    throw new Error(`${JSON.stringify(shownUrl(url))} is not an http(s) URL such as ${example}`);
  if (credentials === "refuse" && hasCredentials(parsed))
    throw new Error(
      `${shownUrl(url)}: the aggregator takes a token (--token-file or FLEETSCOPE_TOKEN), not credentials in its URL`,
    );
  return url;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
