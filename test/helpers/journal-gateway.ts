// A real systemd-journal-gatewayd (Debian's systemd-journal-remote) serving this machine's
// journal on a free loopback port. gatewayd listens only on 19531 unless handed a socket, so
// systemd-socket-activate (Debian's systemd) binds the port and execs it with the socket as fd 3.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { FleetscopeProcess, freePort } from "./stack.ts";
import { waitFor } from "./wait.ts";

const exec = promisify(execFile);

export const GATEWAYD = process.env.FLEETSCOPE_TEST_GATEWAYD ?? "/lib/systemd/systemd-journal-gatewayd";

export class Gatewayd {
  readonly port: number;
  #proc: FleetscopeProcess | undefined;

  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (or starts again, on the same port) and waits until it answers. */
  async start(): Promise<void> {
    if (this.#proc) throw new Error("gatewayd is already running");
    const proc = new FleetscopeProcess("systemd-socket-activate", [
      "--listen",
      `127.0.0.1:${this.port}`,
      GATEWAYD,
      "--system",
    ]);
    this.#proc = proc;
    let exited = false;
    void proc.exited.then(() => (exited = true));
    await waitFor(`gatewayd answering on ${this.url}`, async () => {
      if (exited) throw new Error(`gatewayd exited: ${proc.stderr.slice(-2000)}`);
      const res = await fetch(`${this.url}/entries`, {
        // One entry, then the answer ends (without `follow`).
        headers: { Accept: "application/json", Range: "entries=:0:1" },
      }).catch(() => undefined);
      await res?.body?.cancel();
      return res?.ok === true;
    });
  }

  async stop(): Promise<void> {
    await this.#proc?.stop();
    this.#proc = undefined;
  }
}

/** A gatewayd on a free port, started. */
export async function startGatewayd(): Promise<Gatewayd> {
  const g = new Gatewayd(await freePort());
  await g.start();
  return g;
}

/** Writes one entry with these fields through `logger --journald` (journald's native protocol). */
export async function logFields(fields: Record<string, string>): Promise<void> {
  const lines = Object.entries(fields).map(([k, v]) => `${k}=${v}\n`);
  const child = spawn("logger", ["--journald"], { stdio: ["pipe", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  child.stdin.end(lines.join(""));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  if (code !== 0) throw new Error(`logger --journald exited ${code}: ${err}`);
}

/** Writes lines through `systemd-cat -t tag -p priority`: one journal entry per line. */
export async function catLines(tag: string, priority: string, lines: string[]): Promise<void> {
  const child = exec("systemd-cat", ["-t", tag, "-p", priority]);
  child.child.stdin?.end(`${lines.join("\n")}\n`);
  await child;
}
