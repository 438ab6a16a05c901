import { connectionLimitOptions } from "../net/connection-limits.ts";
import type { ReceiverFactory } from "../receiver.ts";

/** Docker's gelf driver: chunked UDP (gzip, zlib or plain) and NUL-framed TCP on one port. */
export const gelfReceiver: ReceiverFactory = {
  name: "gelf",
  summary: "GELF (UDP and TCP)",
  defaultListen: "127.0.0.1:12201",
  flags: () => connectionLimitOptions("gelf"),
  async create({ listen, maxLineBytes, connections }) {
    const { GelfReceiver } = await import("./gelf-receiver.ts");
    return new GelfReceiver(listen, { maxLineBytes, connections });
  },
};
