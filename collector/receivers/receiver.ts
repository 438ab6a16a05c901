import { Option } from "commander";
import { type FlagValues, type ListenAddress, parseListenOrOff } from "../flags.ts";
import type { Source } from "../sources/source.ts";
import type { ConnectionLimits } from "./net/connection-limits.ts";

/**
 * A network receiver (syslog, GELF, fluentd forward …): a Source that listens instead of reading.
 * The collector starts receivers before anything else, because Docker refuses to start a
 * container whose syslog-TCP or fluentd endpoint is down. A receiver that acknowledges to its
 * sender (fluentd `chunk`) does so only after `ctx.spooled()` resolved for those records.
 */
export interface Receiver extends Source {
  /** Addresses actually bound once started (`udp://127.0.0.1:5514`, `tcp://…`), for logs and tests. */
  readonly addresses: string[];
}

/** Limits every receiver applies to what one peer may send. */
export interface ReceiverLimits {
  /** A line or message body longer than this is cut and marked (see collector/processors/truncate.ts). */
  maxLineBytes: number;
  /** Its TCP listener's connection cap and idle timeout (--<name>-max-connections, --<name>-idle-timeout). */
  connections?: ConnectionLimits;
}

/** What the collector gives a receiver factory: where to listen, the limits, the command's flags. */
export interface ReceiverSetup extends ReceiverLimits {
  listen: ListenAddress;
  /** Parsed flags by commander's camelCase names; the factory reads its own (`syslogTlsCert`). */
  flags: FlagValues;
}

/**
 * One kind of receiver, as registered in receivers/registry.ts. From it come its
 * `--<name>-listen HOST:PORT|off` flag (env FLEETSCOPE_<NAME>_LISTEN), its other flags, the
 * collector's wiring, the test stack's "all receivers off" and the README's flag table.
 */
export interface ReceiverFactory {
  /** Its name: the records' `source`, the metrics' label, the flag prefix (`syslog`). */
  readonly name: string;
  /** What it receives, for `--help` (`syslog (UDP and TCP; RFC 3164/5424)`). */
  readonly summary: string;
  /** Where it listens unless told otherwise: loopback, on the port its senders default to. */
  readonly defaultListen: string;
  /** Its flags besides --<name>-listen, each with its environment variable. */
  flags(): Option[];
  /** Imports the receiver when called, as a source factory does (see SourceFactory). */
  create(setup: ReceiverSetup): Promise<Receiver>;
}

/** `--syslog-listen` for the syslog receiver. */
export function listenFlag(f: Pick<ReceiverFactory, "name">): string {
  return `--${f.name}-listen`;
}

/** The parsed value's key of `--<name>-listen` (commander's camelCase: `syslogListen`). */
export function listenKey(f: Pick<ReceiverFactory, "name">): string {
  return `${f.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}Listen`;
}

/** The receiver's `--<name>-listen HOST:PORT|off`, bound to loopback unless told otherwise. */
export function listenOption(f: ReceiverFactory): Option {
  return new Option(`${listenFlag(f)} <host:port>`, `where the ${f.summary} receiver listens, or off`)
    .env(`FLEETSCOPE_${f.name.toUpperCase().replaceAll("-", "_")}_LISTEN`)
    .default(parseListenOrOff(f.defaultListen), f.defaultListen)
    .argParser(parseListenOrOff);
}
