// Option parsers and defaults shared by the subcommands. Every flag has an environment variable.
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, Option } from "commander";
import { parseDuration } from "../protocol/time.ts";

export const DEFAULT_PORT = 8470;
export const DEFAULT_LISTEN = `127.0.0.1:${DEFAULT_PORT}`;

/** /var/lib/fleetscope for root, the XDG data directory otherwise. */
export function defaultDataDir(): string {
  if (process.getuid?.() === 0) return "/var/lib/fleetscope";
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "fleetscope");
}

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535)
    throw new InvalidArgumentError(`expected HOST:PORT such as ${DEFAULT_LISTEN} or [::1]:${DEFAULT_PORT}`);
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

export function parseDurationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError("expected a duration such as 500ms, 10s, 2m");
  return ms;
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

export function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError("expected a size such as 512MiB, 2GiB or 1000000");
  return Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] ?? "").toLowerCase()] as number));
}

export function parseRetentionDays(value: string): number {
  const m = /^(\d+)d?$/.exec(value.trim());
  const days = m ? Number(m[1]) : 0;
  if (days < 1) throw new InvalidArgumentError("expected a whole number of days such as 30d");
  return days;
}

export function parseUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    return value.replace(/\/+$/, "");
  } catch {
    throw new InvalidArgumentError("expected an http(s) URL such as http://127.0.0.1:8470");
  }
}

export const opt = {
  data: () =>
    new Option("--data <dir>", "data directory (embedded store, spool)")
      .env("FLEETSCOPE_DATA")
      .default(defaultDataDir()),
  listen: () =>
    new Option("--listen <host:port>", "where the API listens")
      .env("FLEETSCOPE_LISTEN")
      .default(parseListen(DEFAULT_LISTEN), DEFAULT_LISTEN)
      .argParser(parseListen),
  token: (what: string) => new Option("--token <token>", what).env("FLEETSCOPE_TOKEN"),
  logLevel: () =>
    new Option("--log-level <level>", "log verbosity")
      .env("FLEETSCOPE_LOG_LEVEL")
      .choices(["error", "warn", "info", "debug", "trace"])
      .default("info"),
  retention: () =>
    new Option("--retention <days>", "how long the store keeps data")
      .env("FLEETSCOPE_RETENTION")
      .default(30, "30d")
      .argParser(parseRetentionDays),
  clickhouseUrl: () =>
    new Option("--clickhouse-url <url>", "use a ClickHouse server instead of the embedded store")
      .env("FLEETSCOPE_CLICKHOUSE_URL")
      .argParser(parseUrl),
  hostName: () =>
    new Option("--host-name <name>", "host name stamped on this node's records")
      .env("FLEETSCOPE_HOST_NAME")
      .default(hostname()),
  dockerSocket: () =>
    new Option("--docker-socket <path>", "Docker engine socket")
      .env("FLEETSCOPE_DOCKER_SOCKET")
      .default("/var/run/docker.sock"),
  statsInterval: () =>
    new Option("--stats-interval <duration>", "how often container stats are sampled")
      .env("FLEETSCOPE_STATS_INTERVAL")
      .default(10_000, "10s")
      .argParser(parseDurationArg),
  spoolMaxSize: () =>
    new Option("--spool-max-size <size>", "disk the spool may use")
      .env("FLEETSCOPE_SPOOL_MAX_SIZE")
      .default(1024 ** 3, "1GiB")
      .argParser(parseSize),
  spoolFull: () =>
    new Option(
      "--spool-full <policy>",
      "when the spool is full: block the sources, or drop the oldest batches",
    )
      .env("FLEETSCOPE_SPOOL_FULL")
      .choices(["block", "drop-oldest"])
      .default("block"),
  noJournal: () => new Option("--no-journal", "do not read the systemd journal").env("FLEETSCOPE_NO_JOURNAL"),
  journalSince: () =>
    new Option(
      "--journal-since <time>",
      "on a first start, read the journal from this time (journalctl --since syntax: now, -1h …) instead of all of it",
    ).env("FLEETSCOPE_JOURNAL_SINCE"),
  journalctl: () =>
    new Option("--journalctl <path>", "journalctl to run").env("FLEETSCOPE_JOURNALCTL").default("journalctl"),
  procRoot: () =>
    new Option("--proc-root <dir>", "the host's /proc (e.g. /host/proc in a container)")
      .env("FLEETSCOPE_PROC_ROOT")
      .default("/proc"),
  cgroupRoot: () =>
    new Option("--cgroup-root <dir>", "the host's cgroup mount")
      .env("FLEETSCOPE_CGROUP_ROOT")
      .default("/sys/fs/cgroup"),
};

export function collectorOptions(): Option[] {
  return [
    opt.hostName(),
    opt.dockerSocket(),
    opt.statsInterval(),
    opt.spoolMaxSize(),
    opt.spoolFull(),
    opt.noJournal(),
    opt.journalSince(),
    opt.journalctl(),
    opt.procRoot(),
    opt.cgroupRoot(),
  ];
}
