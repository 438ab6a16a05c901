// What one receiver's TCP listener allows: how many connections at once, and how long one may
// stay silent. Without them idle connections pile up until the process runs out of file
// descriptors and can no longer write its spool. Each receiver gets its own pair of flags
// (`--syslog-max-connections`, `--syslog-idle-timeout` …) from its factory.
import { Option } from "commander";
import { type FlagValues, parseFlagCount, parseFlagDuration } from "../../flags.ts";
import { dropped } from "../../input-issues.ts";
import type { SourceContext } from "../../sources/source.ts";
import type { InputReporter } from "./input-reporter.ts";
import type { TcpServerOptions } from "./tcp-server.ts";

export interface ConnectionLimits {
  /** Connections beyond this many are closed at once (and counted). */
  maxConnections: number;
  /** A connection that sends nothing this long is closed (and counted). */
  idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { maxConnections: 512, idleTimeoutMs: 5 * 60_000 };

/** Counted under the receiver's component in fleetscope_collector_input_dropped_total. */
export const CONNECTION_INPUT = {
  /** A connection over --<name>-max-connections, closed as it arrived. */
  tooMany: dropped("reading", "too-many-connections"),
  /** A connection silent for --<name>-idle-timeout, closed. */
  idle: dropped("reading", "idle-timeout"),
  /** accept() failed (no file descriptor left …): the peer was turned away by the kernel. */
  acceptFailed: dropped("reading", "accept-failed"),
} as const;

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const envName = (name: string, what: string) =>
  `FLEETSCOPE_${name.toUpperCase().replaceAll("-", "_")}_${what}`;

/** `--<name>-max-connections` and `--<name>-idle-timeout`, with their environment variables. */
export function connectionLimitOptions(name: string): Option[] {
  const d = DEFAULT_CONNECTION_LIMITS;
  return [
    new Option(
      `--${name}-max-connections <n>`,
      `TCP connections the ${name} receiver holds at once; more are closed and counted`,
    )
      .env(envName(name, "MAX_CONNECTIONS"))
      .default(d.maxConnections, String(d.maxConnections))
      .argParser(parseFlagCount(1_000_000)),
    new Option(
      `--${name}-idle-timeout <duration>`,
      `close a ${name} TCP connection that sent nothing for this long`,
    )
      .env(envName(name, "IDLE_TIMEOUT"))
      .default(d.idleTimeoutMs, `${d.idleTimeoutMs / 60_000}m`)
      .argParser(parseFlagDuration),
  ];
}

/** The parsed values of connectionLimitOptions(name), defaults where absent. */
export function connectionLimits(flags: FlagValues, name: string): ConnectionLimits {
  const d = DEFAULT_CONNECTION_LIMITS;
  return {
    maxConnections: (flags[`${camel(name)}MaxConnections`] as number | undefined) ?? d.maxConnections,
    idleTimeoutMs: (flags[`${camel(name)}IdleTimeout`] as number | undefined) ?? d.idleTimeoutMs,
  };
}

/** The TcpServer options of a receiver: its limits, counted and logged by its reporter, paused with its pipeline. */
export function tcpServerOptions(
  ctx: Pick<SourceContext, "backlogged">,
  reporter: InputReporter,
  limits: ConnectionLimits | undefined,
): TcpServerOptions {
  return {
    limits,
    onLimit: (issue, detail) => reporter.report(issue, `connection closed: ${detail}`, {}),
    busy: () => ctx.backlogged?.() ?? false,
  };
}
