// Restarts: Docker's RestartCount on each container snapshot. It counts the daemon's
// restarts since a person last started the container; the events keep the full history.
import type { Migration } from "./migration.ts";

export const restartCount: Migration = {
  version: 5,
  name: "restart-count",
  statements: [
    `ALTER TABLE containers ADD COLUMN IF NOT EXISTS restart_count UInt32 DEFAULT 0 AFTER restart_policy`,
  ],
};
