import { readdir } from "node:fs/promises";

/** Batches still waiting in a collector's spool directory. */
export async function spooledBatches(spoolDir: string): Promise<number> {
  return (await readdir(spoolDir).catch(() => [])).filter((n) => n.endsWith(".batch")).length;
}
