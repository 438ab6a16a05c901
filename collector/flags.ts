// Parsers for the flags of the collector's components. A source or receiver factory declares its
// flags as commander Options (with their environment variables) and parses them with these; the
// CLI adds them to `collector` and `up` as they are. The parsed values reach the factory again as
// FlagValues, keyed by commander's camelCase names (`--syslog-tls-cert` → `syslogTlsCert`).
import { InvalidArgumentError } from "commander";

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
