// A real etcd (Debian's etcd-server) for one test file, on free ports and a temp data directory,
// with the v2 API on beside v3 (--enable-v2=true), written to with the real etcdctl.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { FleetscopeProcess, freePort, tempDir } from "./stack.ts";
import { waitFor } from "./wait.ts";

const run = promisify(execFile);

export type EtcdApi = "v2" | "v3";

export interface EtcdServer {
  url: string;
  /** `etcdctl put KEY VALUE` (v3) or `etcdctl set KEY VALUE` (v2, ETCDCTL_API=2), as a person types it. */
  write(api: EtcdApi, key: string, value: string): Promise<void>;
  /** `etcdctl del KEY` (v3) or `etcdctl rm KEY` (v2). */
  remove(api: EtcdApi, key: string): Promise<void>;
  /** Stops etcd and starts it again on the same ports and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<EtcdServer> {
  const dir = await tempDir("etcd");
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const args = [
    "--name=fleetscope-test",
    `--data-dir=${dir.path}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=fleetscope-test=${peerUrl}`,
    "--enable-v2=true",
  ];
  let proc = await launch(args, url).catch(async (err) => {
    await dir.remove();
    throw err;
  });
  const etcdctl = (api: EtcdApi, ...command: string[]) =>
    run("etcdctl", ["--endpoints", url, ...command], {
      env: { ...process.env, ETCDCTL_API: api === "v3" ? "3" : "2" },
    });
  return {
    url,
    write: async (api, key, value) => void (await etcdctl(api, api === "v3" ? "put" : "set", key, value)),
    remove: async (api, key) => void (await etcdctl(api, api === "v3" ? "del" : "rm", key)),
    async restart() {
      await proc.stop();
      proc = await launch(args, url);
    },
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}

async function launch(args: string[], url: string): Promise<FleetscopeProcess> {
  const proc = new FleetscopeProcess("etcd", args);
  try {
    await waitFor("etcd to answer /health", async () => {
      if (proc.child.exitCode !== null) throw new Error(`etcd exited: ${proc.stderr.slice(-2000)}`);
      const res = await fetch(`${url}/health`).catch(() => undefined);
      return res?.ok && ((await res.json()) as { health?: string }).health === "true";
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}
