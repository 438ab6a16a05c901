// Every network receiver, in start order. Adding one is one folder with a factory and one line
// here: its --<name>-listen flag (and its own flags) on `collector` and `up`, the collector's
// wiring, the test stack's "receivers off" and the README's flag table follow this list.
import type { FlagValues, ListenAddress } from "../flags.ts";
import { fluentdReceiver } from "./fluentd/factory.ts";
import { gelfReceiver } from "./gelf/factory.ts";
import { connectionLimits } from "./net/connection-limits.ts";
import { listenKey, type Receiver, type ReceiverFactory } from "./receiver.ts";
import { syslogReceiver } from "./syslog/factory.ts";

export const RECEIVERS: readonly ReceiverFactory[] = [syslogReceiver, gelfReceiver, fluentdReceiver];

/**
 * The receivers these flags turn on: each whose `--<name>-listen` holds an address (absent or
 * `off` = not started), built by its factory with the shared line limit and its own connection limits.
 */
export async function createReceivers(flags: FlagValues, maxLineBytes: number): Promise<Receiver[]> {
  const receivers: Receiver[] = [];
  for (const factory of RECEIVERS) {
    const listen = flags[listenKey(factory)] as ListenAddress | false | undefined;
    if (listen)
      receivers.push(
        await factory.create({
          listen,
          flags,
          maxLineBytes,
          connections: connectionLimits(flags, factory.name),
        }),
      );
  }
  return receivers;
}
