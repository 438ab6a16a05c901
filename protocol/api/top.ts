// GET /api/v1/top/containers.
import { type Static, Type } from "@sinclair/typebox";
import { limit, Query, StringEnum, timeWindow } from "./params.ts";

export const TOP_BY = ["cpu", "memory", "network", "io"] as const;
export type TopBy = (typeof TOP_BY)[number];

export const TopQuery = Query({
  by: StringEnum(TOP_BY, { default: "cpu" }),
  host: Type.Optional(Type.String({ description: "host name as the collector reports it; default all" })),
  ...timeWindow("5m"),
  limit: limit(10, 1000),
});
export type TopQuery = Static<typeof TopQuery>;

export const TopContainer = Type.Object({
  host: Type.String(),
  id: Type.String(),
  name: Type.String(),
  image: Type.String(),
  samples: Type.Integer(),
  spanSeconds: Type.Number(),
  cpuCores: Type.Number({ description: "mean cores used over the window" }),
  memoryWorkingSetBytes: Type.Number({ description: "the largest working set seen" }),
  networkBytesPerSecond: Type.Number({ description: "received + transmitted" }),
  ioBytesPerSecond: Type.Number({ description: "block bytes read + written" }),
});
export type TopContainer = Static<typeof TopContainer>;

export const TopAnswer = Type.Object({
  by: StringEnum(TOP_BY),
  count: Type.Integer(),
  containers: Type.Array(TopContainer),
});
export type TopAnswer = Static<typeof TopAnswer>;
