// An aggregator as `fleetscope aggregator` starts it, but with the incident detector's interval
// given (it has no flag): a test of what runs the detector between intervals. Its own process,
// since chDB allows one store per process and the test runner must not hold one. Prints
// "API on <url>" once serving; stops on SIGTERM.
//
//   node test/helpers/aggregator-detector-interval.ts <dataDir> <port> <intervalMs>
import { join } from "node:path";
import { Aggregator } from "../../aggregator/aggregator.ts";
import { createLogger, stopOnSignal, VERSION } from "../../cli/runtime.ts";
import { adminTokenFile } from "../../client/credentials.ts";
import { FleetscopeProcess } from "./stack.ts";

/** Starts the aggregator in a child process; waits until it serves. */
export async function startWithDetectorInterval(dataDir: string, port: number, intervalMs: number) {
  const script = new URL(import.meta.url).pathname;
  const p = new FleetscopeProcess(process.execPath, [script, dataDir, String(port), String(intervalMs)]);
  await p.ready("API on");
  return p;
}

async function main([dataDir = "", port = "", intervalMs = ""]: string[]): Promise<void> {
  const log = createLogger("warn", "fleetscope-aggregator");
  const aggregator = await Aggregator.start({
    dataDir: join(dataDir, "store"),
    retentionDays: 30,
    host: "127.0.0.1",
    port: Number(port),
    adminTokenFile: adminTokenFile(dataDir),
    version: VERSION,
    log,
    incidents: { intervalMs: Number(intervalMs) },
  });
  console.log(`API on ${aggregator.url}`);
  stopOnSignal("fleetscope aggregator", log, () => aggregator.stop());
}

if (import.meta.main) await main(process.argv.slice(2));
