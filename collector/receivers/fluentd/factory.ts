import { Option } from "commander";
import { parseSize } from "../../flags.ts";
import { connectionLimitOptions } from "../net/connection-limits.ts";
import type { ReceiverFactory } from "../receiver.ts";

/** The flags below, as commander parses them. */
interface FluentdFlags {
  fluentdMaxBuffer?: number;
}

/** Docker's fluentd driver and fluent-logger clients: the forward protocol over TCP, acks after fsync. */
export const fluentdReceiver: ReceiverFactory = {
  name: "fluentd",
  summary: "fluentd forward (TCP, and its UDP heartbeat)",
  defaultListen: "127.0.0.1:24224",
  flags: () => [
    ...connectionLimitOptions("fluentd"),
    new Option(
      "--fluentd-max-buffer <size>",
      "memory all fluentd connections together may hold for messages not yet whole; the connection that goes over is closed and counted",
    )
      .env("FLEETSCOPE_FLUENTD_MAX_BUFFER")
      .default(64 * 1024 ** 2, "64MiB")
      .argParser(parseSize),
  ],
  async create({ listen, flags, maxLineBytes, connections }) {
    const f = flags as FluentdFlags;
    const { FluentdReceiver } = await import("./fluentd-receiver.ts");
    return new FluentdReceiver(listen, { maxLineBytes, connections, maxBufferedBytes: f.fluentdMaxBuffer });
  },
};
