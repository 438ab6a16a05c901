import { mkdir } from "node:fs/promises";
import { type ClickHouseClient, type ClickHouseSettings, createClient, parseError } from "@clickhouse/client";
import type { ChdbExtension } from "chdb/connection";
import type { Logger } from "pino";
import { StoreLane } from "./lane.ts";
import { DEFAULT_STORE_MEMORY, serverMemoryArgs, storeMemoryProblem } from "./memory.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import type { Migration } from "./migrations/migration.ts";
import { currentQueryContext, DEFAULT_QUERY_LIMITS, type QueryLimits, stoppedBy } from "./query-context.ts";
import { assertScoped } from "./read-scope.ts";

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
  /** Time and memory every SELECT may use (--query-timeout, --query-memory). */
  queryLimits?: QueryLimits;
  /** All the memory the embedded store may use (--store-memory); a server keeps its own config. */
  storeMemoryBytes?: number;
  /** The schema to bring the store to: every migration, but for a test of one on an older store. */
  migrations?: readonly Migration[];
}

/** The disk the store writes to, as ClickHouse sees it. */
export interface DiskUsage {
  freeBytes: number;
  totalBytes: number;
}

type ChdbAsClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;
type ChdbSession = InstanceType<Awaited<ReturnType<typeof loadChdb>>["Session"]>;

export const TABLES = ["logs", "samples", "events", "containers", "hosts", "processes", "incidents"] as const;
export type Table = (typeof TABLES)[number];

/**
 * chDB applies an insert's clickhouse_settings as SETs on its one session, where they outlive the
 * insert: a batch's insert_deduplication_token would make the next insert into the same table
 * that gives none (the incident detector's, a token's) a "duplicate", silently dropped. So every
 * insert states its token: empty, ClickHouse's "none", unless the caller gives one.
 */
function ownDedupTokenPerInsert(client: ClickHouseClient): ClickHouseClient {
  const insert = client.insert.bind(client);
  client.insert = ((params: Parameters<ClickHouseClient["insert"]>[0]) =>
    insert({
      ...params,
      clickhouse_settings: { insert_deduplication_token: "", ...params.clickhouse_settings },
    })) as ClickHouseClient["insert"];
  return client;
}

/**
 * The embedded ClickHouse, loaded only when a store is opened on a data directory: chDB is a
 * 540 MB library that a server-backed aggregator never maps, and the collector image leaves out.
 */
async function loadChdb() {
  try {
    const { createChdbConnection } = await import("chdb/connection");
    const { Session } = await import("chdb");
    return { createChdbConnection, Session };
  } catch (err) {
    throw new Error(
      `the embedded store (chDB) is not installed here (the collector image leaves it out): use the full fleetscope image, run npm install, or give --clickhouse-url. (${String(err)})`,
    );
  }
}

/**
 * A client of embedded chDB on `opts.dataDir`, its engine started with the memory bound. chDB takes
 * server settings only as the engine's arguments when the first connection to a directory starts
 * it, and createChdbConnection passes none: so a session opened first with them starts the engine,
 * the client's connection joins that engine, and the session closes once the client has answered
 * (the engine lives while any connection to it does).
 */
async function openEmbedded(
  opts: StoreOptions,
  queryLimits: QueryLimits,
): Promise<{ client: ClickHouseClient; chdb: ChdbExtension; reader: ChdbSession }> {
  if (!opts.dataDir)
    throw new Error("the store needs a data directory (--data) or a ClickHouse URL (--clickhouse-url)");
  const memory = opts.storeMemoryBytes ?? DEFAULT_STORE_MEMORY;
  const problem = storeMemoryProblem(memory, queryLimits.memoryBytes);
  if (problem) throw new Error(problem);
  await mkdir(opts.dataDir, { recursive: true });
  const { createChdbConnection, Session } = await loadChdb();
  let starter: ChdbSession | undefined;
  try {
    starter = new Session(opts.dataDir, { connectionArgs: serverMemoryArgs(memory) });
    // chdb types its connection against its own copy of @clickhouse/client-common; same shape.
    const connection = createChdbConnection({ path: opts.dataDir });
    const client = createClient({ connection: connection as unknown as ChdbAsClientConnection });
    await client.query({ query: "SELECT 1", format: "JSONEachRow" });
    // The starter stays open as the session Store.rows reads through (#readEmbedded).
    return { client: ownDedupTokenPerInsert(client), chdb: connection.chdb, reader: starter };
  } catch (err) {
    starter?.close();
    const msg = String(err);
    if (/lock/i.test(msg)) {
      throw new Error(
        `the store in ${opts.dataDir} is open in another process (an embedded store has one owner): stop that aggregator or use another --data. (${msg})`,
      );
    }
    throw err;
  }
}

/**
 * A SELECT on the embedded store straight through chDB's session, as the client's chDB connection
 * runs it (the same bind call) but without the client's stream and result-set layers around the
 * answer, which are there for HTTP: measured in one process on the bench's store, 3.2 ms a
 * `SELECT 1` through the client and 1.9 ms this way, CPU alike, and every read pays it.
 * Errors take the client's shape (parseError), so a timeout or memory stop reads the same.
 */
async function readEmbedded<T>(
  session: ChdbSession,
  sql: string,
  params: Record<string, unknown> | undefined,
  signal: AbortSignal | undefined,
): Promise<T[]> {
  const opts = { format: "JSONEachRow", signal };
  let text: string;
  try {
    const result =
      params && Object.keys(params).length > 0
        ? await session.queryBindAsync(sql, params, opts)
        : await session.queryAsync(sql, opts);
    text = result.text();
  } catch (err) {
    const mapped = parseError(err instanceof Error && err.message ? err.message : String(err));
    if (mapped !== err) mapped.cause = err;
    throw mapped;
  }
  const rows: T[] = [];
  for (const line of text.split("\n")) if (line !== "") rows.push(JSON.parse(line) as T);
  return rows;
}

/**
 * Settings as a query's own SETTINGS clause ("" for none): one clause, as a second does not parse.
 * The names and values are ours (limits, output formats), never a sender's; checked all the same, as
 * they are written into the SQL.
 */
function settingsClause(settings: ClickHouseSettings): string {
  const pairs = Object.entries(settings).filter(([, value]) => value !== undefined);
  if (pairs.length === 0) return "";
  const written = pairs.map(([name, value]) => {
    const text = String(value);
    if (!/^\w+$/.test(name) || !/^[\w.]+$/.test(text)) throw new Error(`not a setting: ${name} = ${text}`);
    return typeof value === "number" || /^\d+$/.test(text) ? `${name} = ${text}` : `${name} = '${text}'`;
  });
  return `SETTINGS ${written.join(", ")}`;
}

/** The ClickHouse store: embedded chDB on a directory by default, or a ClickHouse server. */
export class Store {
  readonly client: ClickHouseClient;
  readonly kind: "chdb" | "clickhouse";
  readonly queryLimits: QueryLimits;
  /** chDB's own insert of a payload already in a format, on the embedded store (insertRows). */
  readonly #chdb: ChdbExtension | undefined;
  /** The embedded store's session that SELECTs go through directly (#readEmbedded). */
  readonly #reader: ChdbSession | undefined;
  /** The embedded store's one statement at a time, reads first (lane.ts); unused with a server. */
  readonly #lane = new StoreLane();

  private constructor(
    client: ClickHouseClient,
    kind: "chdb" | "clickhouse",
    queryLimits: QueryLimits,
    embedded?: { chdb: ChdbExtension; reader: ChdbSession },
  ) {
    this.client = client;
    this.kind = kind;
    this.queryLimits = queryLimits;
    this.#chdb = embedded?.chdb;
    this.#reader = embedded?.reader;
  }

  static async open(opts: StoreOptions): Promise<Store> {
    const queryLimits = opts.queryLimits ?? DEFAULT_QUERY_LIMITS;
    const store = opts.url
      ? new Store(
          createClient({
            url: opts.url,
            username: opts.username,
            password: opts.password,
            database: opts.database,
          }),
          "clickhouse",
          queryLimits,
        )
      : await Store.#embedded(opts, queryLimits);
    await store.#migrate(opts.log, opts.migrations ?? MIGRATIONS);
    await store.#applyRetention(opts.retentionDays, opts.log);
    return store;
  }

  static async #embedded(opts: StoreOptions, queryLimits: QueryLimits): Promise<Store> {
    const { client, chdb, reader } = await openEmbedded(opts, queryLimits);
    return new Store(client, "chdb", queryLimits, { chdb, reader });
  }

  /**
   * Stores rows that all have the same keys in the same order (ingest's, from one generated
   * mapper per table), with `settings` for this insert alone. On the embedded store they go to
   * chDB as one buffer of JSONCompactEachRow, its columns named once, with the settings in the
   * INSERT's own SETTINGS clause (quoted by chDB): @clickhouse/client's insert serialises each row
   * as a JSON object into a stream the chDB connection then concatenates into the SQL text, and
   * its settings become SETs that outlive the insert on chDB's one session. Measured in chDB alone
   * on the pipeline bench's rows, 50,000-row inserts: 27 µs of CPU per row that way, 13.5 this way.
   * A server store keeps the client's insert. A `small` insert (a small batch's, the caller says)
   * goes before bigger ones waiting for the embedded store (lane.ts).
   */
  async insertRows(
    table: Table,
    rows: readonly Record<string, unknown>[],
    settings: Record<string, string | number>,
    small = false,
  ): Promise<void> {
    if (rows.length === 0) return;
    if (!this.#chdb) {
      await this.client.insert({
        table,
        values: rows as Record<string, unknown>[],
        format: "JSONEachRow",
        clickhouse_settings: settings,
      });
      return;
    }
    const chdb = this.#chdb;
    const columns = Object.keys(rows[0] as object);
    const values = Buffer.from(rows.map((r) => JSON.stringify(Object.values(r))).join("\n"));
    const insert = () => chdb.rawInsert({ table, columns, values, format: "JSONCompactEachRow", settings });
    await this.#lane.run("write", insert, undefined, small);
  }

  async close(): Promise<void> {
    await this.client.close();
    this.#reader?.close();
  }

  async #migrate(log: Logger, migrations: readonly Migration[]): Promise<void> {
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
    for (const m of migrations) {
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

  /**
   * Runs a parameterised SELECT and returns its rows; refuses one that reads data tables for a
   * restricted reader without applying its scope (read-scope.ts). `settings` (ours, never a
   * sender's) hold for this query alone.
   */
  async rows<T>(
    query: string,
    params?: Record<string, unknown>,
    settings?: ClickHouseSettings,
  ): Promise<T[]> {
    assertScoped(query, params);
    const context = currentQueryContext();
    const signal = context?.signal;
    const limits = context?.limited ? this.#limits() : {};
    try {
      const reader = this.#reader;
      if (reader) {
        // Embedded: the settings go in the query's own SETTINGS clause, as chDB would make
        // clickhouse_settings SETs on its one session, outliving the query. Through the lane, ahead of
        // waiting batch inserts, and a request's read (it has a context) ahead of the detector's
        // waiting reads (lane.ts).
        const sql = `${query.trim()}\n${settingsClause({ ...settings, ...limits })}`;
        const read = () => readEmbedded<T>(reader, sql, params, signal);
        return await this.#lane.run("read", read, signal, context !== undefined);
      }
      const rs = await this.client.query({
        query: `${query.trim()}\n${settingsClause(limits)}`,
        query_params: params,
        format: "JSONEachRow",
        clickhouse_settings: settings,
        abort_signal: signal,
      });
      return await rs.json<T>();
    } catch (err) {
      throw stoppedBy(err, this.queryLimits, signal) ?? err;
    }
  }

  /**
   * The limits for the API's reads (the request context says so; ingest, migrations and the
   * detector run their own bounded queries), in the query's own SETTINGS clause. The engine stops a
   * query over them itself: an abort only settles our promise (embedded chDB cannot interrupt a
   * running query; it skips queued ones), so max_execution_time is what really ends abandoned work.
   */
  #limits(): ClickHouseSettings {
    return {
      max_execution_time: this.queryLimits.timeoutMs / 1000,
      max_memory_usage: String(Math.floor(this.queryLimits.memoryBytes)),
    };
  }

  /** Free and total bytes of the disks the store writes to (system.disks, summed). */
  async diskUsage(): Promise<DiskUsage> {
    const [row] = await this.rows<{ free: string; total: string }>(
      "SELECT toString(sum(free_space)) AS free, toString(sum(total_space)) AS total FROM system.disks",
    );
    return { freeBytes: Number(row?.free ?? 0), totalBytes: Number(row?.total ?? 0) };
  }
}
