// The fleetscope image, built from this checkout by deploy/image/build.sh on a base made from
// Debian's packages (no registry is reachable in tests). build.sh skips an image whose inputs
// have not changed, so every test file may ask; the first in a run pays for the build.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { DOCKER } from "./docker.ts";

const run = promisify(execFile);
const BUILD = join(import.meta.dirname, "..", "..", "deploy", "image", "build.sh");

export type ImageTarget = "collector" | "full";

/** The tag a target is built under in tests. */
export function imageTag(target: ImageTarget): string {
  return target === "full" ? "fleetscope:test" : "fleetscope-collector:test";
}

const built = new Map<ImageTarget, Promise<string>>();

/** Builds (or finds up to date) the image of `target`; resolves with its tag. */
export function ensureImage(target: ImageTarget = "collector"): Promise<string> {
  let pending = built.get(target);
  if (!pending) {
    const tag = imageTag(target);
    pending = run("bash", [BUILD, "--base", "local", "--target", target, "--tag", tag], {
      env: { ...process.env, DOCKER },
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      () => tag,
      (err: { stderr?: string }) => {
        throw new Error(`deploy/image/build.sh failed:\n${err.stderr ?? String(err)}`);
      },
    );
    built.set(target, pending);
  }
  return pending;
}
