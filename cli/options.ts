// Option parsers and defaults shared by the subcommands. Every flag has an environment variable.
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, Option } from "commander";
import { RULE_SETTING_FLAGS, type RuleSettingName } from "../aggregator/incidents/registry.ts";
import { parseListen, parseListenOrOff } from "../collector/flags.ts";
import { listenOption } from "../collector/receivers/receiver.ts";
import { RECEIVERS } from "../collector/receivers/registry.ts";
import { SOURCES } from "../collector/sources/registry.ts";
import { parseDuration } from "../protocol/time.ts";

export const DEFAULT_PORT = 8470;
export const DEFAULT_LISTEN = `127.0.0.1:${DEFAULT_PORT}`;

/** /var/lib/fleetscope for root, the XDG data directory otherwise. */
export function defaultDataDir(): string {
  if (process.getuid?.() === 0) return "/var/lib/fleetscope";
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "fleetscope");
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
      .default(hostname(), "the machine's host name"),
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
};

export const DEFAULT_METRICS_LISTEN = "127.0.0.1:8471";

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
      .default(parseListenOrOff(DEFAULT_METRICS_LISTEN), DEFAULT_METRICS_LISTEN)
      .argParser(parseListenOrOff),
  containerLabels: () =>
    new Option(
      "--container-labels <keys>",
      "container label keys exposed as container_label_* on /metrics (comma list)",
    )
      .env("FLEETSCOPE_CONTAINER_LABELS")
      .default([], "none")
      .argParser(parseKeyList),
};

/** What the pipeline does to every log line, whatever its source or receiver. */
export const pipelineOpt = {
  maxLineSize: () =>
    new Option(
      "--max-line-size <size>",
      "longer log lines are cut to this size, marked …[truncated by fleetscope] and counted",
    )
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

/**
 * The flags of `collector` and `up`: the node's own (name, Docker, roots, spool), each source's
 * and each receiver's from their registries (collector/sources/registry.ts,
 * collector/receivers/registry.ts), then the pipeline's.
 */
export function collectorOptions(): Option[] {
  return [
    opt.hostName(),
    opt.dockerSocket(),
    opt.statsInterval(),
    opt.spoolMaxSize(),
    opt.spoolFull(),
    opt.procRoot(),
    opt.cgroupRoot(),
    opt.sysRoot(),
    metricsOpt.containerLabels(),
    ...SOURCES.flatMap((source) => source.flags()),
    ...RECEIVERS.flatMap((receiver) => [listenOption(receiver), ...receiver.flags()]),
    pipelineOpt.maxLineSize(),
    pipelineOpt.multiline(),
  ];
}

/** A duration flag's default as one would type it: 10m, 30s, 500ms. */
const durationText = (ms: number) =>
  ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError("expected a number above 0 such as 0.9 or 50");
  return n;
}

const SETTING_PARSERS = { ms: parseDurationArg, count: parseCount(), ratio: parsePositive } as const;

/** The incident rules' tunable settings (aggregator/incidents/registry.ts) as flags of `aggregator` and `up`. */
export function ruleSettingOptions(): Option[] {
  return RULE_SETTING_FLAGS.map((r) =>
    new Option(`${r.flag} <${r.unit === "ms" ? "duration" : r.unit}>`, r.description)
      .env(r.env)
      .default(r.default, r.unit === "ms" ? durationText(r.default) : String(r.default))
      .argParser(SETTING_PARSERS[r.unit]),
  );
}

/** The rule settings as parsed by ruleSettingOptions' flags, keyed by setting name. */
export function ruleSettingsFromFlags(flags: object): Partial<Record<RuleSettingName, number>> {
  const given = flags as Record<string, number | undefined>;
  return Object.fromEntries(
    RULE_SETTING_FLAGS.map((r) => [r.name, given[new Option(r.flag).attributeName()]]),
  );
}
