import { Option } from "commander";
import { checkJournalSince } from "../journal-since.ts";
import type { SourceFactory } from "../source.ts";
import { type GatewayTarget, parseGatewayList } from "./gateway-flags.ts";

/** The flags below, as commander parses them. */
interface JournalGatewayFlags {
  journalGateway?: GatewayTarget[];
  journalGatewaySince?: string;
}

/** Other machines' journals through their systemd-journal-gatewayd, each resumed from its cursor. */
export const journalGatewaySource: SourceFactory = {
  name: "journal-gateway",
  flags: () => [
    new Option(
      "--journal-gateway <url>",
      "follow another machine's journal through its systemd-journal-gatewayd (http(s)://HOST:19531); repeat or comma-separate for several; NAME=URL names the host instead of the entries' _HOSTNAME",
    )
      .env("FLEETSCOPE_JOURNAL_GATEWAY")
      .argParser(parseGatewayList),
    new Option(
      "--journal-gateway-since <time>",
      "on a first start of a gateway (no saved cursor), take its entries from this time (now, -1h, 15m, RFC 3339) instead of all it holds; later starts resume from the saved cursor",
    )
      .env("FLEETSCOPE_JOURNAL_GATEWAY_SINCE")
      .argParser(checkJournalSince),
  ],
  async create(setup) {
    const flags = setup.flags as JournalGatewayFlags;
    if (!flags.journalGateway?.length) return undefined;
    const { JournalGatewaySource } = await import("./journal-gateway-source.ts");
    return new JournalGatewaySource({
      targets: flags.journalGateway,
      firstStartSince: flags.journalGatewaySince,
    });
  },
};
