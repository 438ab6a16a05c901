// The values of the source's flags: the gateways named by --journal-gateway (`URL` or
// `NAME=URL`, repeated or comma-separated) and --journal-gateway-since. Kept light (no I/O): the
// factory, which every CLI command loads, parses the flags with it.
import { InvalidArgumentError } from "commander";

/** One systemd-journal-gatewayd to follow. */
export interface GatewayTarget {
  /** As given, credentials included (a proxy in front of gatewayd may want basic auth). */
  url: string;
  /**
   * The URL without credentials: the key of its cursor in the spool, the `journal.gateway`
   * attribute of its records, and what logs name.
   */
  label: string;
  /** Overrides the entries' `_HOSTNAME` as the records' host. */
  name?: string;
}

const NAMED = /^([A-Za-z0-9][A-Za-z0-9._-]{0,252})=(.+)$/;

/** `URL` or `NAME=URL` → a target; throws InvalidArgumentError saying what is expected. */
export function parseGatewayTarget(item: string): GatewayTarget {
  const named = NAMED.exec(item);
  const raw = named ? (named[2] as string) : item;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidArgumentError(
      `"${item}" is not a gateway: expected http(s)://HOST:19531 of a systemd-journal-gatewayd, or NAME=URL to name its host`,
    );
  const path = url.pathname === "/" ? "" : url.pathname;
  return { url: raw, label: `${url.origin}${path}`, ...(named ? { name: named[1] } : {}) };
}

/** Commander's accumulator: each occurrence (or the env var) may list several, comma-separated. */
export function parseGatewayList(value: string, previous: GatewayTarget[] = []): GatewayTarget[] {
  const out = [...previous];
  for (const item of value.split(",")) {
    if (item.trim() === "") continue;
    const target = parseGatewayTarget(item.trim());
    if (out.some((t) => t.label === target.label))
      throw new InvalidArgumentError(`${target.label} is named twice: each gateway is followed once`);
    out.push(target);
  }
  return out;
}
