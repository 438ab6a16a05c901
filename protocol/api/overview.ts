// GET /api/v1/overview/containers: every recent container in one answer, for live views.
import { type Static, Type } from "@sinclair/typebox";
import { ExitCode } from "../records.ts";
import { limit, Nullable, Query } from "./params.ts";

export const ContainerOverviewQuery = Query({
  host: Type.Optional(Type.String({ description: "host name as the collector reports it; default all" })),
  recent: Type.String({ default: "1h", description: "containers whose inventory snapshot is this recent" }),
  window: Type.String({ default: "30s", description: "the rates are measured over this window" }),
  history: Type.String({ default: "5m", description: "span of the sparkline history" }),
  points: Type.Integer({ minimum: 1, maximum: 120, default: 20, description: "buckets of the history" }),
  limit: limit(500, 10_000),
});
export type ContainerOverviewQuery = Static<typeof ContainerOverviewQuery>;

export const ContainerOverview = Type.Object({
  host: Type.String(),
  id: Type.String(),
  name: Type.String(),
  image: Type.String(),
  state: Type.String(),
  exitCode: ExitCode,
  oomKilled: Type.Boolean(),
  created: Type.String(),
  startedAt: Nullable(Type.String({ description: "its last start; null when not known and not running" })),
  lastSeen: Type.String(),
  cpuCores: Type.Number(),
  cpuLimitCores: Type.Number(),
  cpuPercentOfLimit: Nullable(Type.Number()),
  memoryWorkingSetBytes: Type.Number(),
  memoryLimitBytes: Type.Number(),
  memoryPercentOfLimit: Nullable(Type.Number()),
  networkRxBytesPerSecond: Type.Number(),
  networkTxBytesPerSecond: Type.Number(),
  ioReadBytesPerSecond: Type.Number(),
  ioWriteBytesPerSecond: Type.Number(),
  pids: Type.Number(),
  lastSample: Nullable(Type.String({ description: "its newest sample: the rates are measured up to it" })),
  restarts: Type.Integer({ description: "in the last hour" }),
  history: Type.Object({
    stepSeconds: Type.Number({
      description: "bucket width; buckets start on multiples of it (Unix time), the last holds now",
    }),
    cpuCores: Type.Array(Nullable(Type.Number()), { description: "null where it had no sample" }),
    memoryWorkingSetBytes: Type.Array(Nullable(Type.Number())),
  }),
});
export type ContainerOverview = Static<typeof ContainerOverview>;

export const ContainerOverviewAnswer = Type.Object({
  count: Type.Integer(),
  containers: Type.Array(ContainerOverview),
});
export type ContainerOverviewAnswer = Static<typeof ContainerOverviewAnswer>;
