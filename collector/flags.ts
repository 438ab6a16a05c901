// Parsers for the flags of the collector's components. A source or receiver factory declares its
// flags as commander Options (with their environment variables) and parses them with these; the
// CLI adds them to `collector` and `up` as they are. The parsed values reach the factory again as
// FlagValues, keyed by commander's camelCase names (`--syslog-tls-cert` → `syslogTlsCert`).
// shippingOptions() are the `collector` command's own: where it ships (`up` ships to itself).
import { InvalidArgumentError, Option } from "commander";
import { checkHttpUrl } from "../protocol/peer-url.ts";
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

/**
 * A comma (or blank) separated list of http(s) URLs, without trailing slashes; an Error names a
 * wrong one (credentials masked). Aggregators refuse credentials in the URL (their token
 * authenticates); etcd endpoints may carry them (sent as Basic auth).
 */
export function parseUrlList(
  value: string,
  example: string,
  credentials: "allow" | "refuse" = "refuse",
): string[] {
  const urls = value
    .split(/[\s,]+/)
    .filter((u) => u !== "")
    .map((u) => checkHttpUrl(u, example, credentials));
  if (urls.length === 0) throw new Error(`expected one or more URLs such as ${example}`);
  return [...new Set(urls)];
}

/** A commander argParser from a parser that throws plain Errors (commander wants InvalidArgumentError). */
export function asFlagError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const urlListFlag =
  (example: string, credentials: "allow" | "refuse" = "refuse") =>
  (value: string) =>
    asFlagError(() => parseUrlList(value, example, credentials));

export const DEFAULT_ETCD = "http://127.0.0.1:2379";

/** The etcd APIs keys are read through; auto: v3, or v2 where the server or the key has no v3. */
export type EtcdApiMode = "v2" | "v3" | "auto";

/**
 * Where `fleetscope collector` ships: `--aggregator` (a list to fail over along), or etcd keys that
 * stand in for it and for the token file, kept current by watching them (collector/etcd/).
 */
export function shippingOptions(defaultAggregator: string): Option[] {
  return [
    new Option(
      "--aggregator <urls>",
      "aggregator(s) to ship to, a comma list in order of preference: while one is down (no connection, timeout, 5xx) batches go to the next, and back to the first once it answers again",
    )
      .env("FLEETSCOPE_AGGREGATOR")
      .default([defaultAggregator], defaultAggregator)
      .argParser(urlListFlag("http://10.0.0.5:8470")),
    new Option(
      "--failback-after <duration>",
      "while shipping to a later aggregator of the list, how often the earlier ones are checked (GET /healthz) to go back to them",
    )
      .env("FLEETSCOPE_FAILBACK_AFTER")
      .default(30_000, "30s")
      .argParser(parseFlagDuration),
    new Option(
      "--etcd <urls>",
      "etcd endpoints (comma list) for --token-from-etcd and --aggregator-from-etcd",
    )
      .env("FLEETSCOPE_ETCD")
      .default([DEFAULT_ETCD], DEFAULT_ETCD)
      .argParser(urlListFlag(DEFAULT_ETCD, "allow")),
    new Option(
      "--etcd-api <version>",
      "etcd API the keys are in: v3 (etcdctl put), v2 (etcdctl set; etcd --enable-v2), auto: v3, or v2 where the server has no v3 gateway or the key is only there",
    )
      .env("FLEETSCOPE_ETCD_API")
      .choices(["v2", "v3", "auto"])
      .default("auto"),
    new Option(
      "--token-from-etcd <key>",
      "etcd key holding the ingest token (instead of --token-file): read at start, followed when it changes, held in memory only",
    ).env("FLEETSCOPE_TOKEN_FROM_ETCD"),
    new Option(
      "--aggregator-from-etcd <key>",
      "etcd key holding the aggregator URL, or a comma list of them (instead of --aggregator): read at start, followed when it changes",
    ).env("FLEETSCOPE_AGGREGATOR_FROM_ETCD"),
  ];
}
