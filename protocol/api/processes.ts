// GET /api/v1/containers/{container}/processes and /api/v1/processes/top.
import { type Static, Type } from "@sinclair/typebox";
import { ProcessRecord } from "../records.ts";
import { limit, Query, StringEnum, timeWindow } from "./params.ts";

const HOST = Type.Optional(Type.String({ description: "host name as the collector reports it" }));

export const ContainerProcessesQuery = Query({
  host: HOST,
  at: Type.Optional(Type.String({ description: "RFC 3339 or relative to now (15m, 2h); default now" })),
});
export type ContainerProcessesQuery = Static<typeof ContainerProcessesQuery>;

export const TOP_PROCESSES_BY = ["cpu", "memory"] as const;

export const TopProcessesQuery = Query({
  host: HOST,
  ...timeWindow("5m"),
  by: StringEnum(TOP_PROCESSES_BY, { default: "cpu" }),
  limit: limit(20, 1000),
});
export type TopProcessesQuery = Static<typeof TopProcessesQuery>;

/** A process as sampled: the record as the collector sent it (time: the snapshot's). */
export const ProcessRow = Type.Omit(ProcessRecord, ["kind"]);
export type ProcessRow = Static<typeof ProcessRow>;

export const ContainerProcessesAnswer = Type.Object({
  at: Type.String({ description: "the time asked about" }),
  count: Type.Integer(),
  processes: Type.Array(ProcessRow),
});
export type ContainerProcessesAnswer = Static<typeof ContainerProcessesAnswer>;

/** One process over a window: its latest fields, its CPU averaged over its samples, its peak RSS. */
export const TopProcess = Type.Composite([
  Type.Omit(ProcessRecord, ["kind", "time"]),
  Type.Object({
    maxCpuPercent: Type.Number(),
    samples: Type.Integer(),
    firstSeen: Type.String(),
    lastSeen: Type.String(),
  }),
]);
export type TopProcess = Static<typeof TopProcess>;

export const TopProcessesAnswer = Type.Object({
  count: Type.Integer(),
  by: StringEnum(TOP_PROCESSES_BY),
  processes: Type.Array(TopProcess),
});
export type TopProcessesAnswer = Static<typeof TopProcessesAnswer>;
