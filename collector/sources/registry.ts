// Every source the collector runs, in start order: the host heartbeat and the inventory's records
// first, then Docker's events (which keep the inventory current for the rest), stats, processes
// and the log readers. Adding a source is one folder with a factory and one line here; the
// collector, the CLI's flags (`collector`, `up`) and the README's flag table follow this list.
import { containerStatsSource } from "./container-stats/factory.ts";
import { containersSource } from "./containers/factory.ts";
import { dockerEventsSource } from "./docker-events/factory.ts";
import { dockerLocalLogsSource } from "./docker-local-logs/factory.ts";
import { hostSource } from "./host/factory.ts";
import { journalGatewaySource } from "./journal-gateway/factory.ts";
import { journaldSource } from "./journald/factory.ts";
import { jsonFileSource } from "./json-file/factory.ts";
import { processesSource } from "./processes/factory.ts";
import type { SourceFactory } from "./source.ts";

export const SOURCES: readonly SourceFactory[] = [
  hostSource,
  containersSource,
  dockerEventsSource,
  containerStatsSource,
  processesSource,
  jsonFileSource,
  dockerLocalLogsSource,
  journaldSource,
  journalGatewaySource,
];
