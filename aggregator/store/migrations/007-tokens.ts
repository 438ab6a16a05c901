// API tokens, stored by the SHA-256 of their secret (never the secret). A revocation is a newer
// version of the row; reads take FINAL so the newest version wins. No TTL: tokens live until revoked.
import type { Migration } from "./migration.ts";

export const tokens: Migration = {
  version: 7,
  name: "tokens",
  statements: [
    `CREATE TABLE IF NOT EXISTS tokens (
       id String,
       name String,
       role LowCardinality(String),
       log_set String DEFAULT 'default',
       read_log_sets Array(String) DEFAULT [],
       read_hosts Array(String) DEFAULT [],
       secret_sha256 String,
       created DateTime64(3, 'UTC'),
       revoked DateTime64(3, 'UTC') DEFAULT 0,
       version UInt64
     ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
  ],
};
