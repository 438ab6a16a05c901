// The reference for the pipeline bench: Debian's rsyslog forwarding a container's json-file log
// over TCP, the classic way to ship a file. Two rsyslogd of our own, each with its own config,
// pid file and work directory under a temp dir (the system rsyslog is never touched):
//   forwarder: imfile (inotify) on <id>-json.log → omfwd TCP to the receiver,
//   receiver:  imtcp on a free loopback port → omfile, one line per message (just %msg%).
// Both run with rsyslog's defaults (queues, batching, omfile buffering): no tuning on either side.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "../test/helpers/stack.ts";
import { waitFor } from "../test/helpers/wait.ts";
import type { Printer, Reader } from "./lib/printer.ts";

const RSYSLOGD = "/usr/sbin/rsyslogd";

export function rsyslogVersion(): string {
  const out = execFileSync(RSYSLOGD, ["-v"], { encoding: "utf8" });
  return /rsyslogd\s+(\S+)/.exec(out)?.[1] ?? "unknown";
}

export interface RsyslogRelay {
  /** performance.now() when the forwarder was spawned (the receiver was listening by then). */
  forwarderStartedAt: number;
  forwarderPid: number;
  receiverPid: number;
  /** Lines the receiver has written to its output file so far. */
  received(): Promise<number>;
  stop(): Promise<void>;
}

function forwarderConf(work: string, logFile: string, port: number): string {
  return `global(workDirectory="${work}")
module(load="imfile" mode="inotify")
input(type="imfile" File="${logFile}" Tag="bench" ruleset="forward")
ruleset(name="forward") { action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp") }
`;
}

function receiverConf(work: string, port: number, out: string): string {
  return `global(workDirectory="${work}")
module(load="imtcp")
template(name="msgonly" type="string" string="%msg%\\n")
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="write")
ruleset(name="write") { action(type="omfile" file="${out}" template="msgonly") }
`;
}

/** rsyslogd in the foreground (-n) with its own config and pid file; stderr kept for errors. */
async function rsyslogd(dir: string, name: string, conf: string) {
  const work = join(dir, name);
  await mkdir(work, { recursive: true });
  const confFile = join(dir, `${name}.conf`);
  await writeFile(confFile, conf);
  const pidFile = join(dir, `${name}.pid`);
  const child = spawn(RSYSLOGD, ["-n", "-f", confFile, "-i", pidFile], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  await waitFor(
    `${name} rsyslogd started`,
    () => {
      if (child.exitCode !== null) throw new Error(`${name} rsyslogd exited: ${stderr}`);
      return existsSync(pidFile);
    },
    { intervalMs: 10 },
  );
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * Starts receiver then forwarder for `logFile` (which need not exist yet: imfile watches its
 * directory and reads a new file from its first byte).
 */
export async function startRsyslogRelay(dir: string, logFile: string, settleMs = 500): Promise<RsyslogRelay> {
  const port = await freePort();
  const out = join(dir, "received.log");
  const receiver = await rsyslogd(dir, "receiver", receiverConf(join(dir, "receiver"), port, out));
  await waitFor("receiver listening", () => canConnect(port), { intervalMs: 10 });
  const forwarderStartedAt = performance.now();
  const forwarder = await rsyslogd(dir, "forwarder", forwarderConf(join(dir, "forwarder"), logFile, port));
  // The pid file comes early in start-up; when lines are yet to be printed, give imfile time to
  // set its inotify watch, so the run does not time rsyslog's start-up.
  await new Promise((r) => setTimeout(r, settleMs));

  // Counts newlines in what was appended since the last call, so polling stays cheap.
  let offset = 0;
  let lines = 0;
  const buf = Buffer.alloc(1 << 20);
  return {
    forwarderStartedAt,
    forwarderPid: forwarder.pid as number,
    receiverPid: receiver.pid as number,
    async received() {
      if (!existsSync(out)) return 0;
      const fh = await open(out, "r");
      try {
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          for (let i = 0; i < bytesRead; i++) if (buf[i] === 10) lines++;
        }
      } finally {
        await fh.close();
      }
      return lines;
    },
    async stop() {
      await stopChild(forwarder);
      await stopChild(receiver);
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * The relay as a bench reader of a printer's json-file, its output polled every 20 ms.
 * `live`: started before the lines are printed (waits for imfile); else the file is complete.
 */
export function rsyslogReader(dir: string, live: boolean) {
  return async (p: Printer): Promise<Reader> => {
    const relay = await startRsyslogRelay(dir, p.logFile, live ? 500 : 0);
    return {
      watched: [
        { pid: relay.forwarderPid, fresh: true },
        { pid: relay.receiverPid, fresh: true },
      ],
      startedAt: relay.forwarderStartedAt,
      arrived: () => relay.received(),
      pollMs: 20,
      stop: () => relay.stop(),
    };
  };
}
