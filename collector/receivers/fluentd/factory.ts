import type { ReceiverFactory } from "../receiver.ts";

/** Docker's fluentd driver and fluent-logger clients: the forward protocol over TCP, acks after fsync. */
export const fluentdReceiver: ReceiverFactory = {
  name: "fluentd",
  summary: "fluentd forward (TCP, and its UDP heartbeat)",
  defaultListen: "127.0.0.1:24224",
  flags: () => [],
  async create({ listen, maxLineBytes }) {
    const { FluentdReceiver } = await import("./fluentd-receiver.ts");
    return new FluentdReceiver(listen, { maxLineBytes });
  },
};
