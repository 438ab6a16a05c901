import { mkdir } from "node:fs/promises";
import { type ClickHouseClient, type ClickHouseSettings, createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import type { Logger } from "pino";
import { MIGRATIONS } from "./migrations/index.ts";

export interface StoreOptions {
  /** Directory of the embedded chDB store; used when no url is given. */
  dataDir?: string;
  /** A ClickHouse server (http://host:8123); the scale-out path. */
  url?: string;
  username?: string;
  password?: string;
  database?: string;
  retentionDays: number;
  log: Logger;
}

type ChdbAsClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;

export const TABLES = ["logs", "samples", "events", "containers", "hosts", "processes", "incidents"] as const;
export type Table = (typeof TABLES)[number];

/** The ClickHouse store: embedded chDB on a directory by default, or a ClickHouse server. */
export class Store {
  readonly client: ClickHouseClient;
  readonly kind: "chdb" | "clickhouse";

  private constructor(client: ClickHouseClient, kind: "chdb" | "clickhouse") {
    this.client = client;
    this.kind = kind;
  }

  static async open(opts: StoreOptions): Promise<Store> {
    let store: Store;
    if (opts.url) {
      const client = createClient({
        url: opts.url,
        username: opts.username,
        password: opts.password,
        database: opts.database,
      });
      store = new Store(client, "clickhouse");
    } else {
      if (!opts.dataDir)
        throw new Error("the store needs a data directory (--data) or a ClickHouse URL (--clickhouse-url)");
      await mkdir(opts.dataDir, { recursive: true });
      let client: ClickHouseClient;
      try {
        // chdb types its connection against its own copy of @clickhouse/client-common; same shape.
        const connection = createChdbConnection({ path: opts.dataDir }) as unknown as ChdbAsClientConnection;
        client = createClient({ connection });
        await client.query({ query: "SELECT 1", format: "JSONEachRow" });
      } catch (err) {
        const msg = String(err);
        if (/lock/i.test(msg)) {
          throw new Error(
            `the store in ${opts.dataDir} is open in another process (an embedded store has one owner): stop that aggregator or use another --data. (${msg})`,
          );
        }
        throw err;
      }
      store = new Store(client, "chdb");
    }
    await store.#migrate(opts.log);
    await store.#applyRetention(opts.retentionDays, opts.log);
    return store;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async #migrate(log: Logger): Promise<void> {
    await this.client.command({
      query: `CREATE TABLE IF NOT EXISTS schema_migrations (
        version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
      ) ENGINE = MergeTree ORDER BY version`,
    });
    const applied = new Set(
      (await this.rows<{ version: number }>("SELECT version FROM schema_migrations")).map((r) =>
        Number(r.version),
      ),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const statement of m.statements) await this.client.command({ query: statement });
      await this.client.insert({
        table: "schema_migrations",
        values: [{ version: m.version, name: m.name }],
        format: "JSONEachRow",
      });
      log.info({ version: m.version, name: m.name }, "applied schema migration");
    }
  }

  /** Sets every table's TTL to the configured retention (a whole number of days, checked by the CLI). */
  async #applyRetention(days: number, log: Logger): Promise<void> {
    if (!Number.isInteger(days) || days < 1)
      throw new Error(`retention must be a whole number of days ≥ 1, got ${days}`);
    for (const table of TABLES) {
      const [row] = await this.rows<{ q: string }>(
        "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {t:String}",
        { t: table },
      );
      if (row?.q.includes(`toIntervalDay(${days})`)) continue;
      // DDL takes no query parameters; `days` is a validated integer, never user text.
      await this.client.command({
        query: `ALTER TABLE ${table} MODIFY TTL toDateTime(time) + toIntervalDay(${days})`,
        clickhouse_settings: { materialize_ttl_after_modify: 0 },
      });
      log.info({ table, days }, "retention set");
    }
  }

  /** Runs a parameterised SELECT and returns its rows. */
  async rows<T>(
    query: string,
    params?: Record<string, unknown>,
    settings?: ClickHouseSettings,
  ): Promise<T[]> {
    const rs = await this.client.query({
      query,
      query_params: params,
      format: "JSONEachRow",
      clickhouse_settings: settings,
    });
    return rs.json<T>();
  }
}
