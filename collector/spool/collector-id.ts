// The collector's id, kept in its spool directory (`collector-id`) so batch ids stay unique across
// restarts. A spool directory copied to another node (a golden VM image, a cloned volume) would
// bring the id along, and two collectors would number their batches alike. So the file also
// records which node the id was made for (machine id and host name); a collector that finds
// another node's id makes its own and says so. A copy on the same node is caught by the
// aggregator instead (two running collectors with one id: 409), and the refused one renews.
import { randomUUID } from "node:crypto";
import { open, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { fsyncDir } from "./atomic-file.ts";

const ID_FILE = "collector-id";

/** This node, as the id file records it: the machine id when there is one, and the host name. */
export async function nodeIdentity(host: string): Promise<string> {
  const machineId = await readFile("/etc/machine-id", "utf8").then(
    (s) => s.trim(),
    () => hostname(),
  );
  return `${machineId}/${host}`;
}

/** The id file's text: the id, then the node it was made for (older files have the id only). */
export function parseIdFile(text: string): { id: string; node?: string } {
  const [id = "", node] = text.split("\n").map((l) => l.trim());
  return node ? { id, node: node.replace(/^for /, "") } : { id };
}

/**
 * The spool's collector id: the stored one when it was made for this node (or predates node
 * records, which then gets one), else a new one, logged with the reason.
 */
export async function loadOrCreateCollectorId(dir: string, host: string, log: Logger): Promise<string> {
  const node = await nodeIdentity(host);
  let stored: { id: string; node?: string } = { id: "" };
  try {
    stored = parseIdFile(await readFile(join(dir, ID_FILE), "utf8"));
  } catch {}
  if (stored.id && (stored.node === undefined || stored.node === node)) {
    if (stored.node === undefined) await writeIdFile(dir, stored.id, node);
    return stored.id;
  }
  const id = randomUUID();
  if (stored.id)
    log.warn(
      { previous: stored.id, madeFor: stored.node, thisNode: node, collectorId: id },
      "the spool's collector id was made for another node (a copied spool directory?); this collector uses a new id",
    );
  await writeIdFile(dir, id, node);
  return id;
}

/** A new id for this collector, after the aggregator refused its id as another collector's. */
export async function renewCollectorId(dir: string, host: string): Promise<string> {
  const id = randomUUID();
  await writeIdFile(dir, id, await nodeIdentity(host));
  return id;
}

async function writeIdFile(dir: string, id: string, node: string): Promise<void> {
  const file = join(dir, ID_FILE);
  await writeFile(file, `${id}\nfor ${node}\n`);
  const fh = await open(file, "r");
  await fh.sync();
  await fh.close();
  await fsyncDir(dir);
}
