// Option parsers and defaults shared by the subcommands. Every flag has an environment variable.
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
// Defaults only: these modules load no store (chDB is imported by the commands that run one).
import { defaultLimits } from "../aggregator/api/limits.ts";
import { DEFAULT_NETWORK } from "../aggregator/api/listeners.ts";
import { RULE_SETTING_FLAGS, type RuleSettingName } from "../aggregator/incidents/registry.ts";
import { DEFAULT_STORE_MEMORY, MIN_STORE_MEMORY } from "../aggregator/store/memory.ts";
import { DEFAULT_QUERY_LIMITS } from "../aggregator/store/query-context.ts";
import { asFlagError, parseListen, parseListenOrOff, parseSize } from "../collector/flags.ts";
import { listenOption } from "../collector/receivers/receiver.ts";
import { RECEIVERS } from "../collector/receivers/registry.ts";
import { SOURCES } from "../collector/sources/registry.ts";
import { checkHttpUrl } from "../protocol/peer-url.ts";
import { RECORD_LIMITS } from "../protocol/records.ts";
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

// Size flags parse alike on every command; the collector's components use the same parser.
export { parseSize };

/** --store-memory: a size the embedded store can run in. */
function parseStoreMemory(value: string): number {
  const bytes = parseSize(value);
  if (bytes < MIN_STORE_MEMORY)
    throw new InvalidArgumentError(
      `expected at least ${MIN_STORE_MEMORY >> 20}MiB: the store cannot run in less`,
    );
  return bytes;
}

/** --max-line-size: a size the aggregator takes as one log body (RECORD_LIMITS.bodyChars). */
function parseMaxLineSize(value: string): number {
  const bytes = parseSize(value);
  if (bytes > RECORD_LIMITS.bodyChars)
    throw new InvalidArgumentError(
      `expected at most ${RECORD_LIMITS.bodyChars >> 20}MiB: the aggregator refuses a longer log body`,
    );
  return bytes;
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
  return asFlagError(() => checkHttpUrl(value, "http://127.0.0.1:8470"));
}

/** An aggregator's URL: the token authenticates, so credentials in the URL are refused. */
export function parseAggregatorUrl(value: string): string {
  return asFlagError(() => checkHttpUrl(value, "http://127.0.0.1:8470", "refuse"));
}

export const opt = {
  data: (what = "data directory (embedded store, spool, admin.token)") =>
    new Option("--data <dir>", what).env("FLEETSCOPE_DATA").default(defaultDataDir()),
  listen: () =>
    new Option("--listen <host:port>", "where the API listens")
      .env("FLEETSCOPE_LISTEN")
      .default(parseListen(DEFAULT_LISTEN), DEFAULT_LISTEN)
      .argParser(parseListen),
  /** A token is read from a file (or FLEETSCOPE_TOKEN), never taken in argv, where any user sees it. */
  tokenFile: (what: string) =>
    new Option("--token-file <file>", `${what}; FLEETSCOPE_TOKEN holds a token itself`).env(
      "FLEETSCOPE_TOKEN_FILE",
    ),
  ca: () =>
    new Option(
      "--ca <file>",
      "PEM CA that signed the aggregator's TLS certificate (for an https --aggregator not signed by a public CA)",
    ).env("FLEETSCOPE_CA"),
  allowedHosts: () =>
    new Option(
      "--allowed-hosts <names>",
      "Host names the API answers for (comma list, * for any); loopback names always (DNS rebinding protection)",
    )
      .env("FLEETSCOPE_ALLOWED_HOSTS")
      .default(undefined, "this machine's names and addresses")
      .argParser(parseKeyList),
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
  spoolMinFree: () =>
    new Option(
      "--spool-min-free <size>",
      "free space the spool always leaves on its disk; below it the collector holds records and pauses its sources",
    )
      .env("FLEETSCOPE_SPOOL_MIN_FREE")
      .default(16 * 1024 ** 2, "16MiB")
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

/**
 * Refuses `--token <secret>` with what to use instead: a secret in argv is visible to every user
 * of the machine (ps, /proc/PID/cmdline). Hidden, so --help offers only --token-file.
 */
export function rejectTokenInArgv(cmd: Command): Command {
  return cmd.addOption(new Option("--token <secret>").hideHelp()).hook("preAction", (c) => {
    if (c.opts().token !== undefined)
      c.error(
        "error: --token is not accepted: a token in the command line is visible to every user (ps); put it in a file and give --token-file FILE (FLEETSCOPE_TOKEN_FILE), or set FLEETSCOPE_TOKEN",
      );
  });
}

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
      "longer log lines are cut to this size, marked …[truncated by fleetscope] and counted (at most 1MiB: the aggregator's bound of one log body)",
    )
      .env("FLEETSCOPE_MAX_LINE_SIZE")
      .default(256 * 1024, "256KiB")
      .argParser(parseMaxLineSize),
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
    opt.spoolMinFree(),
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

const sizeText = (bytes: number) =>
  bytes % 1024 ** 3 === 0 ? `${bytes / 1024 ** 3}GiB` : `${Math.round(bytes / 1024 ** 2)}MiB`;

/**
 * The aggregator's network and resource bounds, flags of `aggregator` and `up`: TLS and the
 * listeners (aggregator/api/listeners.ts), batch size, query limits and concurrency
 * (aggregator/api/limits.ts, aggregator/store/query-context.ts), the /healthz disk floor.
 */
export function aggregatorBoundOptions(): Option[] {
  const net = DEFAULT_NETWORK;
  const lim = defaultLimits();
  const count = parseCount(1_000_000);
  return [
    new Option(
      "--tls-cert <file>",
      "PEM certificate: serve the API (and ingest listener) over TLS, with --tls-key",
    ).env("FLEETSCOPE_TLS_CERT"),
    new Option("--tls-key <file>", "PEM private key for --tls-cert").env("FLEETSCOPE_TLS_KEY"),
    new Option(
      "--tls-client-ca <file>",
      "PEM CA: also require client certificates signed by it (with --tls-cert)",
    ).env("FLEETSCOPE_TLS_CLIENT_CA"),
    new Option(
      "--ingest-listen <host:port>",
      "a second listener serving only ingest and /healthz (collectors reach it; the API can stay on loopback)",
    )
      .env("FLEETSCOPE_INGEST_LISTEN")
      .argParser(parseListen),
    new Option(
      "--insecure",
      "allow a non-loopback listener without TLS (tokens and logs in clear text; on a network you trust)",
    ).env("FLEETSCOPE_INSECURE"),
    new Option("--max-connections <n>", "open connections per listener; more are closed at once")
      .env("FLEETSCOPE_MAX_CONNECTIONS")
      .default(net.maxConnections)
      .argParser(count),
    new Option("--request-timeout <duration>", "time to receive a whole request, body included")
      .env("FLEETSCOPE_REQUEST_TIMEOUT")
      .default(net.requestTimeoutMs, durationText(net.requestTimeoutMs))
      .argParser(parseDurationArg),
    new Option("--max-batch-bytes <size>", "largest ingest batch, decompressed (413 above)")
      .env("FLEETSCOPE_MAX_BATCH_BYTES")
      .default(lim.batch.maxBytes, sizeText(lim.batch.maxBytes))
      .argParser(parseSize),
    new Option("--max-batch-records <n>", "most records in one ingest batch (413 above)")
      .env("FLEETSCOPE_MAX_BATCH_RECORDS")
      .default(lim.batch.maxRecords)
      .argParser(count),
    new Option("--query-timeout <duration>", "a store query running longer is stopped (504)")
      .env("FLEETSCOPE_QUERY_TIMEOUT")
      .default(DEFAULT_QUERY_LIMITS.timeoutMs, durationText(DEFAULT_QUERY_LIMITS.timeoutMs))
      .argParser(parseDurationArg),
    new Option("--query-memory <size>", "a store query needing more memory is stopped (503)")
      .env("FLEETSCOPE_QUERY_MEMORY")
      .default(DEFAULT_QUERY_LIMITS.memoryBytes, sizeText(DEFAULT_QUERY_LIMITS.memoryBytes))
      .argParser(parseSize),
    new Option(
      "--store-memory <size>",
      "memory the embedded store may use in all (its caches, merges, inserts and reads; not Node's own heap); over it a read fails (503) and an insert is retried by its collector; not less than --query-memory",
    )
      .env("FLEETSCOPE_STORE_MEMORY")
      .default(DEFAULT_STORE_MEMORY, sizeText(DEFAULT_STORE_MEMORY))
      .argParser(parseStoreMemory),
    new Option("--max-queries-per-token <n>", "read requests one token may have running (429 above)")
      .env("FLEETSCOPE_MAX_QUERIES_PER_TOKEN")
      .default(lim.maxQueriesPerToken)
      .argParser(count),
    new Option(
      "--max-queries <n>",
      "read requests running at once; a short queue waits behind them (503 when it is full)",
    )
      .env("FLEETSCOPE_MAX_QUERIES")
      .default(lim.maxQueries, `${lim.maxQueries} (2 per core)`)
      .argParser(count),
    new Option(
      "--max-tails <n>",
      "Loki tails (/loki/api/v1/tail WebSockets, Grafana's live mode) open at once; more are refused (503)",
    )
      .env("FLEETSCOPE_MAX_TAILS")
      .default(lim.maxTails)
      .argParser(count),
    new Option(
      "--min-free-disk <size>",
      "/healthz answers degraded (503) below this free space on the store's disk",
    )
      .env("FLEETSCOPE_MIN_FREE_DISK")
      .default(lim.minFreeDiskBytes, sizeText(lim.minFreeDiskBytes))
      .argParser(parseSize),
  ];
}

export interface AggregatorBoundFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  ingestListen?: { host: string; port: number };
  insecure?: boolean;
  maxConnections: number;
  requestTimeout: number;
  maxBatchBytes: number;
  maxBatchRecords: number;
  queryTimeout: number;
  queryMemory: number;
  storeMemory: number;
  maxQueriesPerToken: number;
  maxQueries: number;
  minFreeDisk: number;
  maxTails: number;
}

/** aggregatorBoundOptions' values as Aggregator.start takes them. */
export function aggregatorBoundsFromFlags(f: AggregatorBoundFlags) {
  return {
    network: {
      tls: { cert: f.tlsCert, key: f.tlsKey, clientCa: f.tlsClientCa },
      ingestListen: f.ingestListen,
      insecure: !!f.insecure,
      maxConnections: f.maxConnections,
      requestTimeoutMs: f.requestTimeout,
    },
    limits: {
      batch: { maxBytes: f.maxBatchBytes, maxRecords: f.maxBatchRecords },
      maxQueriesPerToken: f.maxQueriesPerToken,
      maxQueries: f.maxQueries,
      minFreeDiskBytes: f.minFreeDisk,
      maxTails: f.maxTails,
    },
    queryLimits: { timeoutMs: f.queryTimeout, memoryBytes: f.queryMemory },
    storeMemoryBytes: f.storeMemory,
  };
}
