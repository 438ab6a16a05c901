// Reads a stopped aggregator's embedded store directly, in a child process (chDB allows one
// store per process, and the test runner must not hold one). Used where the API would have to
// page through 100k rows just to count distinct lines.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pino from "pino";
import { Store } from "../../aggregator/store/store.ts";

const exec = promisify(execFile);

export interface LineTally {
  /** Rows counted. */
  rows: number;
  /** Distinct lines among them. */
  distinct: number;
}

/**
 * Counts a container's marker lines (distinct by body: each carries its number) — or, with
 * container "*", every docker-json line (distinct by container, time, offset and body) — in the
 * store of the aggregator whose `--data` was `dataDir`. That aggregator must be stopped.
 */
export async function tallyStoredLines(dataDir: string, container: string, marker = ""): Promise<LineTally> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await exec(process.execPath, [script, join(dataDir, "store"), container, marker]);
  return JSON.parse(stdout) as LineTally;
}

async function main([storeDir = "", container = "", marker = ""]: string[]): Promise<void> {
  const store = await Store.open({ dataDir: storeDir, retentionDays: 30, log: pino({ level: "silent" }) });
  const [row] = await store.rows<{ rows: string; distinct: string }>(
    container === "*"
      ? `SELECT count() AS rows, uniqExact(container_id, time, seq, body) AS distinct FROM logs
         WHERE source = 'docker-json'`
      : `SELECT count() AS rows, uniqExact(body) AS distinct FROM logs
         WHERE container_name = {container:String} AND startsWith(body, {prefix:String})`,
    { container, prefix: `${marker} ` },
  );
  await store.close();
  process.stdout.write(
    JSON.stringify({ rows: Number(row?.rows ?? 0), distinct: Number(row?.distinct ?? 0) }),
  );
}

if (import.meta.main) await main(process.argv.slice(2));
