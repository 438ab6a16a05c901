import { initial } from "./001-initial.ts";
import { machineAndCadvisorFields } from "./002-machine-and-cadvisor-fields.ts";
import { processes } from "./003-processes.ts";
import { incidents } from "./004-incidents.ts";
import { restartCount } from "./005-restart-count.ts";
import { containerDetails } from "./006-container-details.ts";
import { tokens } from "./007-tokens.ts";
import { logSets } from "./008-log-sets.ts";
import { logCodecs } from "./009-log-codecs.ts";
import { sampleFsUsage } from "./010-sample-fs-usage.ts";
import type { Migration } from "./migration.ts";

/** Every migration, oldest first. Add new ones at the end; never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  machineAndCadvisorFields,
  processes,
  incidents,
  restartCount,
  containerDetails,
  tokens,
  logSets,
  logCodecs,
  sampleFsUsage,
];
