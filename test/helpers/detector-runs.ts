// Runs the aggregator's incident detector over an embedded store, in a child process (chDB allows
// one store per process, and the test runner must not hold one): stores the given records through
// the aggregator's ingest, runs the detector a number of times, and counts the rows of the
// incidents table. Each call is a fresh process, i.e. an aggregator restarted on the same store.

import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pino from "pino";
import { IncidentDetector } from "../../aggregator/incidents/detector.ts";
import { Store } from "../../aggregator/store/store.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import { storeRecords } from "./ingest.ts";

const exec = promisify(execFile);

export interface DetectorRuns {
  /** Incidents each run wrote. */
  written: number[];
  /** Rows in the incidents table afterwards (every version of every incident: merges are stopped). */
  rows: number;
  /** Distinct incident ids among them. */
  ids: number;
  /** Kinds of the incidents stored. */
  kinds: string[];
}

/** Stores `records` (if any) in the store under `dataDir`, then runs the detector `runs` times. */
export async function runDetector(
  dataDir: string,
  records: FleetRecord[],
  runs: number,
): Promise<DetectorRuns> {
  const input = join(dataDir, `records-${randomUUID()}.json`);
  await writeFile(input, JSON.stringify(records));
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await exec(process.execPath, [script, join(dataDir, "store"), input, String(runs)]);
  return JSON.parse(stdout) as DetectorRuns;
}

async function main([storeDir = "", input = "", runs = "1"]: string[]): Promise<void> {
  const log = pino({ level: "silent" });
  const store = await Store.open({ dataDir: storeDir, retentionDays: 30, log });
  // A background merge would fold rewritten versions of an incident together and hide them.
  await store.client.command({ query: "SYSTEM STOP MERGES incidents" });
  const records = JSON.parse(await readFile(input, "utf8")) as FleetRecord[];
  if (records.length > 0) await storeRecords(store, records);
  const detector = new IncidentDetector(store, log);
  const written: number[] = [];
  for (let i = 0; i < Number(runs); i++) written.push((await detector.tick()).length);
  const [count] = await store.rows<{ rows: string; ids: string; kinds: string[] }>(
    "SELECT count() AS rows, uniqExact(id) AS ids, arraySort(groupUniqArray(kind)) AS kinds FROM incidents",
  );
  await store.close();
  process.stdout.write(
    JSON.stringify({
      written,
      rows: Number(count?.rows ?? 0),
      ids: Number(count?.ids ?? 0),
      kinds: count?.kinds ?? [],
    }),
  );
}

if (import.meta.main) await main(process.argv.slice(2));
