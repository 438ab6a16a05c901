// One busybox container printing the bench lines to its json-file, and the two ways a reader of
// that file is timed: live (reader watching before the first line is written) and catch-up
// (file complete before the reader starts, so Docker's write speed cannot be the limit).
import { stat } from "node:fs/promises";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../../test/helpers/docker.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { watchProcess } from "./report.ts";

export interface Printer {
  name: string;
  logFile: string;
}

/** Whatever carries the lines to a far end: fleetscope or the rsyslog relay. */
export interface Reader {
  /** Processes to watch; `fresh` ones were started for this run, so VmHWM is their run's peak. */
  watched: { pid: number; fresh: boolean }[];
  /** When the reading process was spawned, if its far end was started before it (catch-up's t0). */
  startedAt?: number;
  /** Lines at the far end so far. */
  arrived(): Promise<number>;
  pollMs: number;
  stop(): Promise<void>;
}

/** A created (not started) container that will print the lines; its json-file path is known. */
export async function createPrinter(awk: string): Promise<Printer> {
  const name = uniqueName("bench");
  const id = await docker("create", "--name", name, BUSYBOX, "awk", awk);
  return { name, logFile: `/var/lib/docker/containers/${id}/${id}-json.log` };
}

async function allArrived(reader: Reader, n: number): Promise<void> {
  await waitFor("all bench lines arrived", async () => (await reader.arrived()) >= n, {
    timeoutMs: 600_000,
    intervalMs: reader.pollMs,
  });
}

/**
 * Live: the reader is already watching; timed from `docker start` (the first line written) until
 * all `n` lines arrived, with the CPU and RSS of the reader's processes in that window.
 */
export async function live(awk: string, n: number, startReader: (p: Printer) => Promise<Reader>) {
  const p = await createPrinter(awk);
  const reader = await startReader(p);
  try {
    const watches = reader.watched.map((w) => watchProcess(w.pid, { sinceStart: w.fresh }));
    const t0 = performance.now();
    await docker("start", p.name);
    await docker("wait", p.name);
    const dockerSeconds = (performance.now() - t0) / 1000;
    await allArrived(reader, n);
    const seconds = (performance.now() - t0) / 1000;
    const usage = watches.map((w) => w.stop());
    return { name: p.name, seconds, dockerSeconds, fileBytes: (await stat(p.logFile)).size, usage };
  } finally {
    await reader.stop();
    await removeContainers(p.name);
  }
}
export type LiveRun = Awaited<ReturnType<typeof live>>;

/**
 * Catch-up: the whole file is written first; timed from spawning the reading process (its
 * start-up included; a far end it needs, like rsyslog's receiver, is started before).
 */
export async function catchUp(awk: string, n: number, startReader: (p: Printer) => Promise<Reader>) {
  const p = await createPrinter(awk);
  await docker("start", p.name);
  await docker("wait", p.name);
  const before = performance.now();
  const reader = await startReader(p);
  try {
    const t0 = reader.startedAt ?? before;
    const readySeconds = (performance.now() - t0) / 1000;
    await allArrived(reader, n);
    return { seconds: (performance.now() - t0) / 1000, readySeconds };
  } finally {
    await reader.stop();
    await removeContainers(p.name);
  }
}
export type CatchUpRun = Awaited<ReturnType<typeof catchUp>>;
