// Option parsers and defaults shared by the subcommands. Every flag has an environment variable.
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, Option } from "commander";
import { parseLabels } from "../collector/host/machine.ts";
import { RECEIVER_DEFAULTS } from "../collector/receivers/create-receivers.ts";
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

/** A count flag (--limit, --tail): 1 to `max`, as the API takes it. */
export const parseCount =
  (max = 10_000) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected 1 to ${max}`);
    return n;
  };

export function parseUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    return value.replace(/\/+$/, "");
  } catch {
    throw new InvalidArgumentError("expected an http(s) URL such as http://127.0.0.1:8470");
  }
}

/** `--label k=v` (repeatable, or a `k=v,k2=v2` list as FLEETSCOPE_LABELS) → merged labels. */
export function parseLabelArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  try {
    return { ...previous, ...parseLabels(value) };
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}; expected key=value such as role=web`);
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
  sysRoot: () =>
    new Option("--sys-root <dir>", "the host's /sys (network interfaces; e.g. /host/sys in a container)")
      .env("FLEETSCOPE_SYS_ROOT")
      .default("/sys"),
  label: () =>
    new Option("--label <key=value>", "operator label for this host (repeatable; env: a k=v,k2=v2 list)")
      .env("FLEETSCOPE_LABELS")
      .default({}, "none")
      .argParser(parseLabelArg),
  fleetConf: () =>
    new Option(
      "--fleet-conf <path>",
      'fleet\'s config file: its metadata="k=v,…" becomes host labels (FLEET_METADATA in the environment wins)',
    )
      .env("FLEETSCOPE_FLEET_CONF")
      .default("/etc/fleet/fleet.conf"),
};

export const DEFAULT_METRICS_LISTEN = "127.0.0.1:8471";

/** `HOST:PORT`, or `off` → false (no endpoint). */
export function parseMetricsListen(value: string): { host: string; port: number } | false {
  return value.trim().toLowerCase() === "off" ? false : parseListen(value);
}

/** A comma list of container label keys (`com.example.team,env`). */
export function parseKeyList(value: string): string[] {
  return [
    ...new Set(
      value
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== ""),
    ),
  ];
}

export const metricsOpt = {
  metricsListen: () =>
    new Option(
      "--metrics-listen <host:port>",
      "where the collector serves Prometheus /metrics (cAdvisor names), or off",
    )
      .env("FLEETSCOPE_METRICS_LISTEN")
      .default(parseMetricsListen(DEFAULT_METRICS_LISTEN), DEFAULT_METRICS_LISTEN)
      .argParser(parseMetricsListen),
  containerLabels: () =>
    new Option(
      "--container-labels <keys>",
      "container label keys exposed as container_label_* on /metrics (comma list; default none)",
    )
      .env("FLEETSCOPE_CONTAINER_LABELS")
      .default([], "none")
      .argParser(parseKeyList),
};

/** A receiver's `--<kind>-listen HOST:PORT|off`, bound to loopback unless told otherwise. */
function receiverListen(kind: keyof typeof RECEIVER_DEFAULTS, what: string): Option {
  return new Option(`--${kind}-listen <host:port>`, `where the ${what} receiver listens, or off`)
    .env(`FLEETSCOPE_${kind.toUpperCase()}_LISTEN`)
    .default(parseMetricsListen(RECEIVER_DEFAULTS[kind]), RECEIVER_DEFAULTS[kind])
    .argParser(parseMetricsListen);
}

export const receiverOpt = {
  syslogListen: () => receiverListen("syslog", "syslog (UDP and TCP; RFC 3164/5424)"),
  gelfListen: () => receiverListen("gelf", "GELF (UDP and TCP)"),
  fluentdListen: () => receiverListen("fluentd", "fluentd forward (TCP)"),
  syslogTlsCert: () =>
    new Option(
      "--syslog-tls-cert <file>",
      "PEM certificate: the syslog receiver's TCP is TLS (with --syslog-tls-key)",
    ).env("FLEETSCOPE_SYSLOG_TLS_CERT"),
  syslogTlsKey: () =>
    new Option("--syslog-tls-key <file>", "PEM private key for --syslog-tls-cert").env(
      "FLEETSCOPE_SYSLOG_TLS_KEY",
    ),
  maxLineSize: () =>
    new Option("--max-line-size <size>", "longer log lines are cut to this size and marked as truncated")
      .env("FLEETSCOPE_MAX_LINE_SIZE")
      .default(256 * 1024, "256KiB")
      .argParser(parseSize),
  // Off by default: joining holds back any line that may start a trace (up to 500 ms), and a
  // guess that joins unrelated lines is worse than a trace split over several records.
  multiline: () =>
    new Option("--multiline <mode>", "join multi-line stack traces (Java, Python, Go) of a container stream")
      .env("FLEETSCOPE_MULTILINE")
      .choices(["off", "auto"])
      .default("off"),
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
    metricsOpt.containerLabels(),
    opt.sysRoot(),
    opt.label(),
    opt.fleetConf(),
    receiverOpt.syslogListen(),
    receiverOpt.syslogTlsCert(),
    receiverOpt.syslogTlsKey(),
    receiverOpt.gelfListen(),
    receiverOpt.fluentdListen(),
    receiverOpt.maxLineSize(),
    receiverOpt.multiline(),
  ];
}
