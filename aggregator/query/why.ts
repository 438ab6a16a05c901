// "Container X died — why?" in one answer: the death (die + exit code, signal, OOM), the last
// lines before it, the memory and CPU curve around it against the limit, its restart history,
// its processes at the last sample, and what else happened on that host meanwhile (events and
// incidents). Everything
// comes from the store, so it still answers after `docker rm`.
import { HttpError } from "../api/http-error.ts";
import type { Store } from "../store/store.ts";
import { queryContainers } from "./containers.ts";
import { queryEvents } from "./events.ts";
import { queryIncidents } from "./incidents.ts";
import { queryLogs } from "./logs.ts";
import { queryContainerProcesses } from "./processes.ts";
import { querySamples } from "./samples.ts";

export interface WhyQuery {
  container: string;
  host?: string;
  /** Explain the last death at or before this time (RFC 3339 or relative); default now. */
  at?: string;
  /** How many log lines before the death. */
  lines: number;
}

const SIGNALS: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  6: "SIGABRT",
  9: "SIGKILL",
  11: "SIGSEGV",
  15: "SIGTERM",
};
const iso = (ms: number) => new Date(ms).toISOString();

/** Exit codes above 128 mean "killed by signal code − 128" (the shell's and Docker's convention). */
export function signalOf(exitCode: number | null): string | null {
  if (exitCode === null || exitCode <= 128 || exitCode > 128 + 64) return null;
  return SIGNALS[exitCode - 128] ?? `signal ${exitCode - 128}`;
}

export async function explainDeath(store: Store, q: WhyQuery) {
  const [death] = await queryEvents(store, {
    container: q.container,
    host: q.host,
    actions: ["die"],
    since: "3650d",
    until: q.at ?? "now",
    limit: 1,
  });
  if (!death) {
    throw new HttpError(
      404,
      `no death of "${q.container}" is recorded${q.at ? ` before ${q.at}` : ""} (no die event)`,
    );
  }
  const host = String(death.host);
  const id = String(death.containerId);
  const t = Date.parse(String(death.time));
  const exitCode = death.exitCode as number | null;
  const around = (fromMs: number, toMs: number) => ({ since: iso(t + fromMs), until: iso(t + toMs) });
  const [containers, ooms, before, samples, lifecycle, processes, hostEvents, incidents] = await Promise.all([
    queryContainers(store, { host, container: id, limit: 1 }),
    queryEvents(store, {
      host,
      container: id,
      actions: ["oom", "oom-kill"],
      ...around(-60_000, 5_000),
      limit: 10,
    }),
    // Docker sends `stop` just after the `die` it caused: look a little past the death too.
    queryEvents(store, {
      host,
      container: id,
      actions: ["kill", "stop"],
      ...around(-30_000, 2_000),
      limit: 10,
    }),
    querySamples(store, { host, container: id, ...around(-10 * 60_000, 30_000), limit: 5000 }),
    queryEvents(store, {
      host,
      container: id,
      actions: ["start", "die", "restart"],
      ...around(-3600_000, 1),
      limit: 500,
    }),
    queryContainerProcesses(store, { host, container: id, at: iso(t) }),
    queryEvents(store, { host, ...around(-5 * 60_000, 60_000), limit: 100 }),
    queryIncidents(store, { host, ...around(-60 * 60_000, 60_000), limit: 100 }),
  ]);
  // Lines are stamped when Docker reads them, a hair after the process wrote them: allow 2 s.
  const logs = (
    await queryLogs(store, { host, container: id, ...around(-24 * 3600_000, 2_000), limit: q.lines })
  ).reverse();
  const container = containers[0] as (Record<string, unknown> & { memoryLimitBytes: number }) | undefined;
  const oomKilled = ooms.length > 0 || (container?.oomKilled === true && container?.exitCode === exitCode);
  const signal = signalOf(exitCode);
  const byPerson = before.find((e) => e.action === "stop") ?? before.find((e) => e.action === "kill");
  const cause = oomKilled
    ? "OOM kill: the kernel killed it at its memory limit"
    : byPerson
      ? `${byPerson.action === "stop" ? "stopped" : "killed"} through Docker (docker ${byPerson.action})`
      : exitCode === 0
        ? "exited normally (code 0)"
        : signal
          ? `killed by ${signal}`
          : `crashed: exit code ${exitCode}`;
  const starts = lifecycle.filter((e) => e.action === "start");
  const attrs = (death.attributes ?? {}) as Record<string, string>;
  return {
    host,
    container: container ?? { id, name: death.containerName, image: death.image },
    event: {
      time: death.time,
      exitCode,
      signal,
      oomKilled,
      cause,
      stoppedByPerson: Boolean(byPerson),
      ranForMs: attrs.ranForMs ? Number(attrs.ranForMs) : null,
      restartPolicy: attrs.restartPolicy ?? container?.restartPolicy ?? "",
      /** The kernel's account (journal): which process it killed and the usage at that moment. */
      oomKill: kernelKill(ooms.find((e) => e.action === "oom-kill")),
    },
    memoryLimitBytes: container?.memoryLimitBytes ?? 0,
    lastLogs: logs,
    samples,
    restarts: {
      startsInLastHour: starts.length,
      byDaemonInLastHour: starts.filter((e) => attrOf(e, "startedBy") === "daemon").length,
      history: lifecycle.reverse(),
    },
    processes: processes.processes,
    hostEvents: hostEvents.filter((e) => e.containerId !== id),
    /** Incidents on that host in the hour before (and the minute after) the death, its own included. */
    incidents,
  };
}

const attrOf = (e: Record<string, unknown>, key: string) =>
  ((e.attributes ?? {}) as Record<string, string>)[key];

function kernelKill(e: Record<string, unknown> | undefined) {
  if (!e) return null;
  const n = (key: string) => Number(attrOf(e, key) ?? 0);
  return {
    time: e.time,
    pid: n("pid"),
    process: attrOf(e, "process") ?? "",
    usageBytes: n("usageBytes"),
    limitBytes: n("limitBytes"),
    anonRssBytes: n("anonRssBytes"),
  };
}
