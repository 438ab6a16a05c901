// Parsers for the flags of the collector's components. A source or receiver factory declares its
// flags as commander Options (with their environment variables) and parses them with these; the
// CLI adds them to `collector` and `up` as they are. The parsed values reach the factory again as
// FlagValues, keyed by commander's camelCase names (`--syslog-tls-cert` → `syslogTlsCert`).
import { InvalidArgumentError } from "commander";
import { parseDuration } from "../protocol/time.ts";

/** Where a listener binds: a receiver, the collector's /metrics. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** A command's parsed flags: every component reads its own keys and ignores the rest. */
export type FlagValues = Readonly<Record<string, unknown>>;

/** `HOST:PORT` or `[v6]:PORT`; an empty host is 127.0.0.1 (loopback unless told otherwise). */
export function parseListen(value: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535)
    throw new InvalidArgumentError("expected HOST:PORT such as 127.0.0.1:8470 or [::1]:8470");
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

/** `HOST:PORT`, or `off` → false (no listener). */
export function parseListenOrOff(value: string): ListenAddress | false {
  return value.trim().toLowerCase() === "off" ? false : parseListen(value);
}

/** A duration flag: `500ms`, `30s`, `5m`; above zero. */
export function parseFlagDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError("expected a duration such as 500ms, 30s, 5m");
  return ms;
}

/** A whole number from 1 to `max`. */
export const parseFlagCount =
  (max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A size flag: `512MiB`, `2GiB`, `64k`, `1000000` (bytes); binary units. */
export function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError("expected a size such as 512MiB, 2GiB or 1000000");
  return Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] ?? "").toLowerCase()] as number));
}
