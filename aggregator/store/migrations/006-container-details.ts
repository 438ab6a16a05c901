// What `docker inspect` shows an operator, on each container snapshot: command, environment
// (secret values masked by the collector), ports, mounts, health. Defaults keep older rows readable.
import type { Migration } from "./migration.ts";

export const containerDetails: Migration = {
  version: 6,
  name: "container-details",
  statements: [
    `ALTER TABLE containers
       ADD COLUMN IF NOT EXISTS command String DEFAULT '' AFTER restart_count,
       ADD COLUMN IF NOT EXISTS env Array(String) DEFAULT [] AFTER command,
       ADD COLUMN IF NOT EXISTS ports Array(String) DEFAULT [] AFTER env,
       ADD COLUMN IF NOT EXISTS mounts Array(String) DEFAULT [] AFTER ports,
       ADD COLUMN IF NOT EXISTS health LowCardinality(String) DEFAULT '' AFTER mounts`,
  ],
};
