// The writable layer's disk usage on each sample (cAdvisor's container_fs_usage_bytes,
// container_fs_limit_bytes, container_fs_inodes_total and their device label). Defaults read as
// "not measured": an empty device for rows from older collectors and other storage drivers.
import type { Migration } from "./migration.ts";

export const sampleFsUsage: Migration = {
  version: 10,
  name: "sample-fs-usage",
  statements: [
    `ALTER TABLE samples ADD COLUMN IF NOT EXISTS fs_device LowCardinality(String) DEFAULT ''`,
    `ALTER TABLE samples ADD COLUMN IF NOT EXISTS fs_usage_bytes UInt64 DEFAULT 0 CODEC(T64, ZSTD(1))`,
    `ALTER TABLE samples ADD COLUMN IF NOT EXISTS fs_limit_bytes UInt64 DEFAULT 0 CODEC(T64, ZSTD(1))`,
    `ALTER TABLE samples ADD COLUMN IF NOT EXISTS fs_inodes UInt64 DEFAULT 0 CODEC(T64, ZSTD(1))`,
  ],
};
