// The store's footprint on real embedded chDB: the memory bound (--store-memory) reaches the
// engine's own server settings, a bound that cannot work is refused with the flags to change, and
// the log-codecs migration brings a store made by the earlier schema along with its rows intact.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverMemorySettings } from "../../aggregator/store/memory.ts";
import { MIGRATIONS } from "../../aggregator/store/migrations/index.ts";
import { Store } from "../../aggregator/store/store.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/stack.ts";

const log = pino({ level: "silent" });
const MiB = 1024 ** 2;
const CODECS_VERSION = 9;

const logRow = (i: number) => ({
  time: new Date(Date.now() - 60_000 + i).toISOString(),
  host: "footprint",
  source: "docker-json",
  container_id: "f".repeat(64),
  container_name: "web",
  image: "busybox",
  stream: "stdout",
  unit: "",
  identifier: "",
  pid: 100 + i,
  severity_number: 9,
  severity_text: "INFO",
  body: `line ${i} served in 12ms`,
  attributes: { n: String(i) },
  seq: i * 150,
});

type Row = ReturnType<typeof logRow>;

const insertLogs = (store: Store, rows: Row[]) =>
  store.client.insert({
    table: "logs",
    values: rows,
    format: "JSONEachRow",
    clickhouse_settings: { date_time_input_format: "best_effort" },
  });

const storedLogs = (store: Store) =>
  store.rows<{ body: string; s: string; pid: number; n: string }>(
    "SELECT body, toString(seq) AS s, pid, attributes['n'] AS n FROM logs ORDER BY seq",
  );

const codecs = async (store: Store) =>
  Object.fromEntries(
    (
      await store.rows<{ name: string; codec: string }>(
        "SELECT name, compression_codec AS codec FROM system.columns WHERE database = currentDatabase() AND table = 'logs' AND name IN ('seq', 'pid', 'body')",
      )
    ).map((r) => [r.name, r.codec]),
  );

describe("the log-codecs migration on a store made by the earlier schema", () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir("codecs-migration");
  });
  afterAll(async () => dir?.remove());

  it("keeps every row and applies the codecs", async () => {
    const earlier = MIGRATIONS.filter((m) => m.version < CODECS_VERSION);
    const old = await Store.open({ dataDir: dir.path, retentionDays: 30, log, migrations: earlier });
    const rows = Array.from({ length: 500 }, (_, i) => logRow(i));
    try {
      expect((await codecs(old)).seq).toBe("");
      await insertLogs(old, rows.slice(0, 250));
      await insertLogs(old, rows.slice(250));
    } finally {
      await old.close();
    }

    const store = await Store.open({ dataDir: dir.path, retentionDays: 30, log });
    try {
      const applied = await store.rows<{ v: number }>("SELECT max(version) AS v FROM schema_migrations");
      expect(Number(applied[0]?.v)).toBe(MIGRATIONS.at(-1)?.version);
      expect(await codecs(store)).toEqual({
        seq: "CODEC(DoubleDelta, ZSTD(1))",
        pid: "CODEC(T64, ZSTD(1))",
        body: "CODEC(ZSTD(3))",
      });
      // A codec change is metadata only: no mutation rewrites a large store's parts at start-up.
      const mutations = await store.rows<{ c: string }>(
        "SELECT count() AS c FROM system.mutations WHERE database = currentDatabase() AND table = 'logs'",
      );
      expect(Number(mutations[0]?.c)).toBe(0);
      const expected = rows.map((r) => ({ body: r.body, s: String(r.seq), pid: r.pid, n: r.attributes.n }));
      expect(await storedLogs(store)).toEqual(expected);
      // Merging rewrites the old parts with the new codecs; the rows read the same after it.
      await store.client.command({ query: "OPTIMIZE TABLE logs FINAL" });
      expect(await storedLogs(store)).toEqual(expected);
      const hits = await store.rows<{ c: string }>(
        "SELECT count() AS c FROM logs WHERE hasToken(lower(body), 'served')",
      );
      expect(Number(hits[0]?.c)).toBe(rows.length);
    } finally {
      await store.close();
    }
  });
});

describe("the store's memory bound", () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir("store-memory");
  });
  afterAll(async () => dir?.remove());

  it("reaches the engine's server settings", async () => {
    const bound = 256 * MiB;
    const store = await Store.open({
      dataDir: dir.path,
      retentionDays: 30,
      log,
      storeMemoryBytes: bound,
      queryLimits: { timeoutMs: 30_000, memoryBytes: 64 * MiB },
    });
    try {
      const expected = serverMemorySettings(bound);
      const rows = await store.rows<{ name: string; value: string }>(
        "SELECT name, value FROM system.server_settings WHERE name IN {names:Array(String)}",
        { names: Object.keys(expected) },
      );
      expect(Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]))).toEqual(expected);
      expect(expected.max_server_memory_usage).toBe(bound);
      expect(expected.mark_cache_size).toBeLessThan(bound);
    } finally {
      await store.close();
    }
  });

  it("refuses a bound below what one read may use, naming both flags", async () => {
    await expect(
      Store.open({
        dataDir: dir.path,
        retentionDays: 30,
        log,
        storeMemoryBytes: 256 * MiB,
        queryLimits: { timeoutMs: 30_000, memoryBytes: 512 * MiB },
      }),
    ).rejects.toThrow(/--query-memory .* is above --store-memory/);
  });

  it("is a flag of the aggregator and of up that refuses what the store cannot run in", async () => {
    for (const command of ["aggregator", "up"]) {
      const help = await runCli([command, "--help"]);
      expect(help.stdout).toMatch(/--store-memory <size>[\s\S]*default: 4GiB/);
      const small = await runCli([command, "--data", dir.path, "--store-memory", "64MiB"]);
      expect(small.code).not.toBe(0);
      expect(small.stderr).toContain("--store-memory");
      expect(small.stderr).toContain("at least 128MiB");
      const garbage = await runCli([command, "--data", dir.path, "--store-memory", "lots"]);
      expect(garbage.code).not.toBe(0);
      expect(garbage.stderr).toContain("--store-memory");
    }
  });
});
