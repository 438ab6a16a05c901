// Runs fleetscope itself as child processes, exactly as a user would start it, so tests can
// SIGKILL, restart and stop it for real.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { listenFlag } from "../../collector/receivers/receiver.ts";
import { RECEIVERS } from "../../collector/receivers/registry.ts";
import { apiFetch, createToken, rememberToken, tokenEnv, tokenFor } from "./api.ts";
import { removeContainers } from "./docker.ts";
import { waitFor } from "./wait.ts";

export const REPO = new URL("../..", import.meta.url).pathname;
/** This checkout's CLI. The start helpers take another checkout's (`cliOf`) for a bench's before/after runs. */
export const CLI = join(REPO, "cli", "fleetscope.ts");

/** The CLI of another checkout of fleetscope (a bench's "before" side, run beside this one). */
export function cliOf(checkout: string): string {
  return join(checkout, "cli", "fleetscope.ts");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `fleetscope-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export class FleetscopeProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout?.on("data", (d) => (this.stdout += d));
    this.child.stderr?.on("data", (d) => (this.stderr += d));
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  /** Waits until stdout contains `text` (the line each command prints once it is serving). */
  async ready(text: string, timeoutMs = 60_000): Promise<void> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    await waitFor(
      `"${text}" on stdout`,
      () => {
        if (exited) throw new Error(`process exited early:\n${this.stderr.slice(-3000)}`);
        return this.stdout.includes(text);
      },
      { timeoutMs },
    );
  }

  /**
   * Sends `signal` and waits for the exit. A process still running after `graceMs` is killed and
   * the stop fails naming it, with its last output: a shutdown that hangs is a bug to see, not a
   * hook timeout to guess at.
   */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 60_000) {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), graceMs)));
    const outcome = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (outcome !== "late") return outcome;
    this.child.kill("SIGKILL");
    await this.exited;
    throw new Error(
      `${this.child.spawnargs.join(" ")} did not exit within ${graceMs} ms of ${signal}; killed. Last output:\n${(this.stdout + this.stderr).slice(-3000)}`,
    );
  }
}

/**
 * `fleetscope <args>` as a child process; a command naming `--url` of a started stack gets its
 * token in FLEETSCOPE_TOKEN (see tokenEnv).
 */
export function fleetscope(args: string[], env: NodeJS.ProcessEnv = {}, cli = CLI): FleetscopeProcess {
  return new FleetscopeProcess(process.execPath, [cli, ...args], tokenEnv(args, env));
}

/** The admin token an aggregator or `up` on `dataDir` keeps (written before it says "API on"). */
export async function adminToken(dataDir: string): Promise<string> {
  return (await readFile(join(dataDir, "admin.token"), "utf8")).trim();
}

/** Ingest tokens made for collectors, per admin token (so per store), reused across restarts. */
const ingestTokens = new Map<string, Promise<string>>();

/** An ingest token (log set default) of the aggregator at `url`, made with its remembered admin token. */
export function ingestTokenFor(url: string): Promise<string> {
  const admin = tokenFor(url);
  if (!admin)
    throw new Error(
      `no token is remembered for ${url}: start its aggregator (startAggregator, startUp) first`,
    );
  let token = ingestTokens.get(admin);
  if (!token) {
    token = createToken(url, { name: "test collector", role: "ingest" }).then((t) => t.secret);
    ingestTokens.set(admin, token);
  }
  return token;
}

/**
 * Flags that keep a test collector quick and focused: fast stats, the journal from now on, and
 * every registered network receiver off (tests run several collectors; a receiver test passes its
 * own `--syslog-listen 127.0.0.1:PORT`, and the last occurrence of a flag wins).
 */
export const TEST_COLLECTOR_FLAGS = [
  "--stats-interval",
  "1s",
  "--journal-since",
  "now",
  "--log-level",
  "warn",
  ...RECEIVERS.flatMap((receiver) => [listenFlag(receiver), "off"]),
];

/**
 * An aggregator on `dataDir` at 127.0.0.1:`port` with `extra` flags; its admin token is remembered
 * for its URL (test/helpers/api.ts; `scheme` https when it serves TLS).
 */
export async function startAggregator(
  dataDir: string,
  port: number,
  extra: string[] = [],
  scheme: "http" | "https" = "http",
  cli = CLI,
): Promise<FleetscopeProcess> {
  const p = fleetscope(
    ["aggregator", "--data", dataDir, "--listen", `127.0.0.1:${port}`, "--log-level", "warn", ...extra],
    {},
    cli,
  );
  await p.ready("API on");
  rememberToken(`${scheme}://127.0.0.1:${port}`, await adminToken(dataDir));
  return p;
}

/**
 * A collector shipping to `aggregatorUrl` with an ingest token of it in a file beside the spool
 * (`--token-file`), unless `env` sets FLEETSCOPE_TOKEN or FLEETSCOPE_TOKEN_FILE. Its aggregator
 * must have been started once (the token is made through its admin API).
 */
export async function startCollector(
  aggregatorUrl: string,
  spoolDir: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
  cli = CLI,
): Promise<FleetscopeProcess> {
  const args = [
    "collector",
    "--aggregator",
    aggregatorUrl,
    "--spool",
    spoolDir,
    ...TEST_COLLECTOR_FLAGS,
    ...extra,
  ];
  if (!("FLEETSCOPE_TOKEN" in env || "FLEETSCOPE_TOKEN_FILE" in env)) {
    const file = join(dirname(spoolDir), `${basename(spoolDir)}.token`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${await ingestTokenFor(aggregatorUrl)}\n`, { mode: 0o600 });
    args.push("--token-file", file);
  }
  const p = fleetscope(args, env, cli);
  await p.ready("shipping to");
  return p;
}

/** The single-node stack on a temp data dir and a free port. */
export async function startUp(
  dataDir: string,
  extra: string[] = [],
): Promise<{ proc: FleetscopeProcess; url: string }> {
  const port = await freePort();
  const proc = fleetscope([
    "up",
    "--data",
    dataDir,
    "--listen",
    `127.0.0.1:${port}`,
    ...TEST_COLLECTOR_FLAGS,
    ...extra,
  ]);
  await proc.ready("API on");
  const url = `http://127.0.0.1:${port}`;
  rememberToken(url, await adminToken(dataDir));
  return { proc, url };
}

export { getJson } from "./api.ts";

/**
 * A counter on the stack's /metrics, summed over its series whose labels include `label`
 * (`component="gelf"`): every stage and reason of one component, say.
 */
export async function metricTotal(base: string, name: string, label: string): Promise<number> {
  const text = await (await apiFetch(base, "/metrics")).text();
  let total = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(`${name}{`) && line.slice(0, line.indexOf("}")).includes(label))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  return total;
}

/**
 * A `fleetscope up` on a temp dir for one test file (plus `extraArgs` flags): started before its
 * tests, stopped and removed after, with the containers the file names removed too.
 */
export function useUpStack(
  prefix: string,
  containers: string[] = [],
  extraArgs: string[] = [],
): { readonly url: string; readonly proc: FleetscopeProcess; readonly dataDir: string } {
  let up: { proc: FleetscopeProcess; url: string } | undefined;
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  beforeAll(async () => {
    dir = await tempDir(prefix);
    up = await startUp(dir.path, extraArgs);
  });
  afterAll(async () => {
    await removeContainers(...containers);
    await up?.proc.stop();
    await dir?.remove();
  });
  return {
    get url() {
      if (!up) throw new Error("the stack is not started yet");
      return up.url;
    },
    get proc() {
      if (!up) throw new Error("the stack is not started yet");
      return up.proc;
    },
    get dataDir() {
      if (!dir) throw new Error("the stack is not started yet");
      return dir.path;
    },
  };
}

/**
 * An aggregator on a temp dir and a free port for one test file, stopped and removed after; its
 * admin token is remembered for its URL.
 */
export function useAggregator(prefix: string): { readonly url: string; readonly dataDir: string } {
  let agg: FleetscopeProcess | undefined;
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    dir = await tempDir(prefix);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    agg = await startAggregator(dir.path, port);
  });
  afterAll(async () => {
    await agg?.stop();
    await dir?.remove();
  });
  return {
    get url() {
      if (!url) throw new Error("the aggregator is not started yet");
      return url;
    },
    get dataDir() {
      if (!dir) throw new Error("the aggregator is not started yet");
      return dir.path;
    },
  };
}

/**
 * A fleet on this machine for one test file: an aggregator and one collector per host name
 * (each sees this machine's containers, under its own host name).
 */
export function useFleetStack(
  prefix: string,
  hosts: string[],
  containers: string[] = [],
): { readonly url: string } {
  const procs: FleetscopeProcess[] = [];
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    dir = await tempDir(prefix);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    procs.push(await startAggregator(`${dir.path}/agg`, port));
    for (const host of hosts) {
      procs.push(
        await startCollector(url, `${dir.path}/${host}`, ["--host-name", host, "--metrics-listen", "off"]),
      );
    }
  });
  afterAll(async () => {
    await removeContainers(...containers);
    for (const p of procs.reverse()) await p.stop();
    await dir?.remove();
  });
  return {
    get url() {
      if (!url) throw new Error("the fleet is not started yet");
      return url;
    },
  };
}
