import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Debian's docker client, which matches the daemon's API (the newer one on PATH does not). */
export const DOCKER = process.env.FLEETSCOPE_TEST_DOCKER ?? "/usr/bin/docker";
/** Made by scripts/setup-host.sh with `docker import` of busybox-static. */
export const BUSYBOX = process.env.FLEETSCOPE_TEST_IMAGE ?? "busybox:fleetscope";

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run(DOCKER, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** A container name no other test run uses. */
export function uniqueName(prefix: string): string {
  return `fs-test-${prefix}-${randomBytes(4).toString("hex")}`;
}

/** Removes containers, ignoring ones already gone. */
export async function removeContainers(...names: string[]): Promise<void> {
  await Promise.all(names.map((n) => docker("rm", "-f", n).catch(() => undefined)));
}

/**
 * Runs a container to its death by the kernel's OOM killer at a 16 MiB limit (no swap):
 * `tail /dev/zero` buffers a line that never ends. Resolves once it has died (exit 137).
 */
export async function runUntilOomKilled(
  name: string,
  command: string[] = ["tail", "/dev/zero"],
): Promise<void> {
  await docker("run", "--name", name, "--memory", "16m", "--memory-swap", "16m", BUSYBOX, ...command).catch(
    () => undefined, // docker run exits 137 with the container
  );
}
