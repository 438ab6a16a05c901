import { Option } from "commander";
import { connectionLimitOptions } from "../net/connection-limits.ts";
import type { ReceiverFactory } from "../receiver.ts";

/** The flags below, as commander parses them. */
interface SyslogFlags {
  syslogTlsCert?: string;
  syslogTlsKey?: string;
}

/** Docker's syslog driver (and any RFC 3164/5424 sender): UDP and TCP on one port, TLS optional. */
export const syslogReceiver: ReceiverFactory = {
  name: "syslog",
  summary: "syslog (UDP and TCP; RFC 3164/5424)",
  defaultListen: "127.0.0.1:5514",
  flags: () => [
    new Option(
      "--syslog-tls-cert <file>",
      "PEM certificate: the syslog receiver's TCP is TLS (with --syslog-tls-key)",
    ).env("FLEETSCOPE_SYSLOG_TLS_CERT"),
    new Option("--syslog-tls-key <file>", "PEM private key for --syslog-tls-cert").env(
      "FLEETSCOPE_SYSLOG_TLS_KEY",
    ),
    ...connectionLimitOptions("syslog"),
  ],
  async create({ listen, flags, maxLineBytes, connections }) {
    const f = flags as SyslogFlags;
    const { SyslogReceiver } = await import("./syslog-receiver.ts");
    // One of the two alone is passed on, so that starting fails and says both are needed.
    const tls =
      f.syslogTlsCert || f.syslogTlsKey
        ? { cert: f.syslogTlsCert ?? "", key: f.syslogTlsKey ?? "" }
        : undefined;
    return new SyslogReceiver({ listen, tls, maxLineBytes, connections });
  },
};
