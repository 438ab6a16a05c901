import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes a file so that a crash leaves the old content or the new, never a mix: write a
 * sibling .tmp, fsync it, rename over the target, fsync the directory so the rename is durable.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  { fsync = true }: { fsync?: boolean } = {},
): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    if (fsync) await fh.sync();
  } catch (err) {
    // A torn .tmp (disk full mid-write) would keep the space the retry needs.
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, file);
  if (fsync) await fsyncDir(dirname(file));
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
