// A real Alertmanager (Debian's prometheus-alertmanager) as a child process on a loopback port,
// routing every alert to a webhook the test runs, with short group timings; and that webhook.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { stringify } from "yaml";
import { waitFor } from "./wait.ts";

const ALERTMANAGER = process.env.FLEETSCOPE_TEST_ALERTMANAGER ?? "/usr/bin/prometheus-alertmanager";

/** One alert as Alertmanager's webhook receiver gets it. */
export interface AmAlert {
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** An HTTP receiver on a loopback port (a free one by default) keeping every JSON body POSTed to it. */
export interface JsonReceiver {
  url: string;
  bodies: unknown[];
  /** The Authorization header of each request, in order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export async function startJsonReceiver(port = 0): Promise<JsonReceiver> {
  const bodies: unknown[] = [];
  const authorizations: (string | undefined)[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      bodies.push(JSON.parse(text));
      authorizations.push(req.headers.authorization);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : port}/hook`,
    bodies,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Every alert the receiver got from Alertmanager, in order. */
export const amAlerts = (r: JsonReceiver) => r.bodies.flatMap((b) => (b as { alerts: AmAlert[] }).alerts);

export interface RunningAlertmanager {
  url: string;
  stop(): Promise<void>;
}

/**
 * A user Alertmanager's web server lets in with basic auth (its --web.config.file). The hash is
 * bcrypt of `password`, cost 4, made once with Python's crypt module (libxcrypt):
 * `crypt.crypt("fleetscope-test-password", "$2b$04$abcdefghijklmnopqrstuv")`.
 */
export const AM_BASIC_AUTH = {
  user: "fleet",
  password: "fleetscope-test-password",
  bcrypt: "$2b$04$abcdefghijklmnopqrstuuPz/a09erHX2DEa9jfpK64g5reACWHte",
};

/**
 * Alertmanager on `port` (its storage under `dir`, gossip off) sending every alert, firing and
 * resolved, to `webhookUrl` one incident per group, within about a second of a change. With
 * `basicAuth`, its API answers only requests with AM_BASIC_AUTH's user and password.
 */
export async function startAlertmanager(
  dir: string,
  port: number,
  webhookUrl: string,
  opts: { basicAuth?: boolean } = {},
): Promise<RunningAlertmanager> {
  const config = {
    route: {
      receiver: "test",
      group_by: ["incident"],
      group_wait: "1s",
      group_interval: "1s",
      repeat_interval: "1h",
    },
    receivers: [{ name: "test", webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  };
  const file = join(dir, "alertmanager.yml");
  await writeFile(file, stringify(config));
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${file}`,
    `--storage.path=${join(dir, "am-data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--cluster.listen-address=",
  ];
  const headers: Record<string, string> = {};
  if (opts.basicAuth) {
    const web = join(dir, "web.yml");
    await writeFile(web, stringify({ basic_auth_users: { [AM_BASIC_AUTH.user]: AM_BASIC_AUTH.bcrypt } }));
    args.push(`--web.config.file=${web}`);
    const basic = Buffer.from(`${AM_BASIC_AUTH.user}:${AM_BASIC_AUTH.password}`).toString("base64");
    headers.authorization = `Basic ${basic}`;
  }
  const child = spawn(ALERTMANAGER, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  const stop = () => stopChild(child);
  await waitFor("Alertmanager to be ready", async () => {
    if (child.exitCode !== null) throw new Error(`alertmanager exited:\n${log.slice(-2000)}`);
    return (await fetch(`${url}/-/ready`, { headers }).catch(() => undefined))?.ok === true;
  }).catch(async (err) => {
    await stop();
    throw err;
  });
  return { url, stop };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
