// GET /api/v1/why: why a container died, in one answer.
import { type Static, Type } from "@sinclair/typebox";
import { ExitCode } from "../records.ts";
import { ContainerDetail, SampleRow } from "./containers.ts";
import { EventRow } from "./events.ts";
import { IncidentRow } from "./incidents.ts";
import { LogLine } from "./logs.ts";
import { Nullable, Query } from "./params.ts";
import { ProcessRow } from "./processes.ts";

export const WhyQuery = Query({
  container: Type.String({ minLength: 1, description: "name, id or id prefix (12+); works after docker rm" }),
  host: Type.Optional(Type.String()),
  at: Type.Optional(
    Type.String({
      description:
        "explain the last death at or before this time: RFC 3339 (up to 9 fractional digits, compared to the nanosecond) or relative (15m); default now",
    }),
  ),
  lines: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  execs: Type.Boolean({
    default: false,
    description: "keep exec_* events (health checks, docker exec) among the host's other events",
  }),
});
export type WhyQuery = Static<typeof WhyQuery>;

/** The kernel's account of an OOM kill (from the journal): which process, at what usage. */
export const WhyOomKill = Type.Object({
  time: Type.String(),
  pid: Type.Number(),
  process: Type.String(),
  usageBytes: Type.Number(),
  limitBytes: Type.Number(),
  anonRssBytes: Type.Number(),
});

/** The memory figures side by side, and why they differ. */
export const WhyMemory = Type.Object({
  limitBytes: Type.Number(),
  sampledPeakBytes: Nullable(Type.Number()),
  maxUsageBytes: Nullable(Type.Number({ description: "the cgroup's high-water mark at the last sample" })),
  killedAtBytes: Nullable(Type.Number({ description: "the usage the kernel reported when it killed" })),
  sampleIntervalMs: Nullable(Type.Number()),
  lastSampleBeforeDeathMs: Nullable(Type.Number()),
  note: Nullable(Type.String({ description: "why the samples read lower than the kill, when they do" })),
});
export type WhyMemory = Static<typeof WhyMemory>;

/** Another container's event, its consecutive repeats collapsed into one with a count. */
export const WhyHostEvent = Type.Composite([
  EventRow,
  Type.Object({ count: Type.Integer(), firstTime: Type.String({ description: "the oldest repeat's time" }) }),
]);
export type WhyHostEvent = Static<typeof WhyHostEvent>;

export const WhyAnswer = Type.Object({
  host: Type.String(),
  /** The inventory's container, or only its name and image from the die event when it has none. */
  container: Type.Composite([
    Type.Pick(ContainerDetail, ["id", "name", "image"]),
    Type.Partial(Type.Omit(ContainerDetail, ["id", "name", "image"])),
  ]),
  event: Type.Object({
    time: Type.String(),
    exitCode: ExitCode,
    signal: Nullable(Type.String()),
    oomKilled: Type.Boolean(),
    cause: Type.String(),
    stoppedByPerson: Type.Boolean(),
    ranForMs: Nullable(Type.Number()),
    restartPolicy: Type.String(),
    oomKill: Nullable(WhyOomKill),
  }),
  memoryLimitBytes: Type.Number(),
  memory: WhyMemory,
  lastLogs: Type.Array(LogLine, { description: "the last lines before the death, oldest first" }),
  samples: Type.Array(SampleRow),
  restarts: Type.Object({
    startsInLastHour: Type.Integer(),
    byDaemonInLastHour: Type.Integer(),
    history: Type.Array(EventRow, { description: "starts, deaths and restarts in the hour up to it" }),
  }),
  processes: Type.Array(ProcessRow, { description: "at its last process snapshot" }),
  hostEvents: Type.Array(WhyHostEvent, {
    description:
      "other containers' events on the host in the 5 minutes before (and 5 s after) the death, newest first",
  }),
  hiddenExecEvents: Type.Integer({
    description: "exec_* events left out of hostEvents; execs=true keeps them",
  }),
  incidents: Type.Array(IncidentRow, {
    description: "on that host in the hour before (and the minute after) the death, its own included",
  }),
});
export type WhyAnswer = Static<typeof WhyAnswer>;
