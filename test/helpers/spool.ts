import { readdir } from "node:fs/promises";
import pino from "pino";
import { Spool } from "../../collector/spool/spool.ts";

/** The batch files still waiting in a collector's spool directory. */
export async function spooledBatchFiles(spoolDir: string): Promise<string[]> {
  return (await readdir(spoolDir).catch(() => [])).filter((n) => n.endsWith(".batch"));
}

/** Batches still waiting in a collector's spool directory. */
export async function spooledBatches(spoolDir: string): Promise<number> {
  return (await spooledBatchFiles(spoolDir)).length;
}

/**
 * A collector's own spool on `dir` (1 GiB, writers wait when full), to write batches in as a
 * collector would have before a restart.
 */
export async function openSpool(dir: string, host: string): Promise<Spool> {
  const spool = new Spool({
    dir,
    host,
    maxBytes: 1024 ** 3,
    fullPolicy: "block",
    log: pino({ level: "silent" }),
  });
  await spool.open();
  return spool;
}
