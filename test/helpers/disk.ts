// A real small disk for tests of what happens when one fills: a tmpfs of a given size, and a file
// that takes all of its free space.
import { execFile } from "node:child_process";
import { mkdir, open } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Mounts a tmpfs of `size` (as mount(8) takes it: 64m) on `dir`; returns its unmount. */
export async function mountTmpfs(dir: string, size: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  await run("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  return async () => {
    await run("umount", [dir]).catch(() => undefined);
  };
}

/** Writes zeros into `file` until the filesystem refuses (ENOSPC): the disk is full. */
export async function fillDisk(file: string): Promise<void> {
  const fh = await open(file, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) await fh.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    await fh.close();
  }
}
