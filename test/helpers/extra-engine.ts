// A second Docker engine on this machine, so a test can give each simulated host containers of its
// own: a real dockerd with its own socket, data root, exec root (and so its own containerd) under
// a temp dir. Its containers run with --network=none; it has no bridge and touches no iptables.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { BUSYBOX, DOCKER, docker } from "./docker.ts";
import { FleetscopeProcess, tempDir } from "./stack.ts";
import { waitFor } from "./wait.ts";

export interface ExtraEngine {
  /** The engine's socket path (mount it as a collector's /var/run/docker.sock). */
  readonly socket: string;
  /** Where its containers' json-file logs are (`LogPath` lies under it). */
  readonly containersDir: string;
  /** `docker -H <this engine> <args>`: its stdout, trimmed. */
  docker(...args: string[]): Promise<string>;
  /** Removes its containers, stops it and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a dockerd under a temp dir and loads `images` (default busybox) into it from the main
 * engine. It runs in a network namespace of its own (`unshare --net`): a dockerd started with
 * --bridge=none deletes the machine's docker0 interface at start, which would cut the main
 * engine's containers off.
 */
export async function startExtraEngine(images: string[] = [BUSYBOX]): Promise<ExtraEngine> {
  const dir = await tempDir("engine");
  const socket = join(dir.path, "docker.sock");
  const proc = new FleetscopeProcess("unshare", [
    "--net",
    "dockerd",
    "--host",
    `unix://${socket}`,
    "--data-root",
    join(dir.path, "data"),
    "--exec-root",
    join(dir.path, "exec"),
    "--pidfile",
    join(dir.path, "docker.pid"),
    "--bridge=none",
    "--iptables=false",
    "--ip-masq=false",
    "--log-level=warn",
  ]);
  const engineDocker = async (...args: string[]) => docker("--host", `unix://${socket}`, ...args);
  const stop = async () => {
    const ids = await engineDocker("ps", "-aq").catch(() => "");
    if (ids) await engineDocker("rm", "-f", ...ids.split("\n")).catch(() => undefined);
    await proc.stop();
    await dir.remove();
  };
  try {
    await waitFor("the extra dockerd to answer", async () => {
      if (proc.child.exitCode !== null) throw new Error(`dockerd exited: ${proc.stderr.slice(-2000)}`);
      return engineDocker("version", "--format", "{{.Server.Version}}").then(
        () => true,
        () => false,
      );
    });
    for (const image of images) await copyImage(image, socket);
  } catch (err) {
    await stop();
    throw err;
  }
  return { socket, containersDir: join(dir.path, "data", "containers"), docker: engineDocker, stop };
}

/** `docker save IMAGE | docker -H <socket> load`: no registry is needed. */
async function copyImage(image: string, socket: string): Promise<void> {
  const save = spawn(DOCKER, ["save", image], { stdio: ["ignore", "pipe", "pipe"] });
  const load = spawn(DOCKER, ["--host", `unix://${socket}`, "load"], { stdio: ["pipe", "ignore", "pipe"] });
  save.stdout.pipe(load.stdin);
  let errors = "";
  for (const p of [save, load]) p.stderr.on("data", (d) => (errors += d));
  const codes = await Promise.all(
    [save, load].map((p) => new Promise<number | null>((resolve) => p.on("close", resolve))),
  );
  if (codes.some((c) => c !== 0))
    throw new Error(`copying ${image} into the engine at ${socket} failed (${codes.join(", ")}): ${errors}`);
}
