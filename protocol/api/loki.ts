// The Loki-compatible read API (/loki/api/v1/…): Loki's own request parameters and answer shapes,
// so Grafana's built-in Loki data source reads fleetscope's logs.
import { type Static, type TProperties, Type } from "@sinclair/typebox";
import { Query, StringEnum } from "./params.ts";

/**
 * Loki's query parameters, those Grafana's Loki data source sends; like every route's, an unknown
 * one is refused (a misspelt filter must not silently widen what is read).
 */
const LokiQuery = <T extends TProperties>(properties: T) => Query(properties);

const time = (description: string) =>
  Type.Optional(
    Type.String({
      maxLength: 40,
      description: `${description}: nanoseconds or seconds since the epoch (10 digits or fewer, or with a fraction), or RFC 3339`,
    }),
  );

const logql = (description: string) => Type.String({ maxLength: 5000, description });

const window = {
  start: time("start of the window; default an hour before end"),
  end: time("end of the window; default now"),
};

export const LokiRangeQuery = LokiQuery({
  query: logql("a LogQL query: a stream selector and line filters, or a metric of one"),
  ...window,
  limit: Type.Optional(Type.String({ maxLength: 10, description: "most lines (default 100, at most 5000)" })),
  direction: Type.Optional(
    StringEnum(["backward", "forward"], { description: "backward: newest first (default)" }),
  ),
  step: Type.Optional(
    Type.String({
      maxLength: 20,
      description:
        "a metric query's resolution: a duration (15s, 2000ms) or seconds; default (end-start)/250, at least 1s",
    }),
  ),
});
export type LokiRangeQuery = Static<typeof LokiRangeQuery>;

export const LokiInstantQuery = LokiQuery({
  query: logql("a LogQL expression"),
  time: time("the instant evaluated; default now"),
  limit: Type.Optional(Type.String({ maxLength: 10 })),
  direction: Type.Optional(StringEnum(["backward", "forward"])),
});
export type LokiInstantQuery = Static<typeof LokiInstantQuery>;

export const LokiLabelsQuery = LokiQuery({
  ...window,
  query: Type.Optional(logql("only labels of the lines this stream selector matches")),
});
export type LokiLabelsQuery = Static<typeof LokiLabelsQuery>;

export const LokiLabelParams = Type.Object({ name: Type.String({ maxLength: 100 }) });

export const LokiSeriesQuery = LokiQuery({
  "match[]": Type.Union([
    logql("a stream selector"),
    Type.Array(logql("a stream selector"), { maxItems: 10 }),
  ]),
  ...window,
});
export type LokiSeriesQuery = Static<typeof LokiSeriesQuery>;

export const LokiTailQuery = LokiQuery({
  query: logql("a LogQL log query: a stream selector, line filters and label filters (no metric)"),
  start: time("the oldest line sent first; default an hour ago"),
  limit: Type.Optional(
    Type.String({
      maxLength: 10,
      description: "most lines sent first, the newest (default 100, at most 5000)",
    }),
  ),
  delay_for: Type.Optional(
    Type.String({
      maxLength: 10,
      description:
        "seconds (0 to 5, default 0) a line stays unsent after its time, so a host whose lines come late is not passed over",
    }),
  ),
});
export type LokiTailQuery = Static<typeof LokiTailQuery>;

const LabelSet = Type.Record(Type.String(), Type.String());

/** One stream: its labels and its lines as [nanoseconds, line]. */
export const LokiStream = Type.Object({
  stream: LabelSet,
  values: Type.Array(Type.Tuple([Type.String(), Type.String()])),
});
export type LokiStream = Static<typeof LokiStream>;

/** One sample of an instant vector: [seconds, value as text]. */
export const LokiSample = Type.Object({
  metric: LabelSet,
  value: Type.Tuple([Type.Number(), Type.String()]),
});

/** One series of a range query's matrix: [seconds, value as text] at each step. */
export const LokiSeries = Type.Object({
  metric: LabelSet,
  values: Type.Array(Type.Tuple([Type.Number(), Type.String()])),
});

const success = <T extends ReturnType<typeof Type.Object>>(data: T) =>
  Type.Object({ status: Type.Literal("success"), data });

export const LokiQueryAnswer = success(
  Type.Object({
    resultType: StringEnum(["streams", "matrix", "vector", "scalar"]),
    result: Type.Union([
      Type.Array(LokiStream),
      Type.Array(LokiSeries),
      Type.Array(LokiSample),
      Type.Tuple([Type.Number(), Type.String()]),
    ]),
    stats: Type.Object({}, { additionalProperties: true }),
  }),
);
export type LokiQueryAnswer = Static<typeof LokiQueryAnswer>;

export const LokiLabelsAnswer = Type.Object({
  status: Type.Literal("success"),
  data: Type.Array(Type.String()),
});
export type LokiLabelsAnswer = Static<typeof LokiLabelsAnswer>;

export const LokiSeriesAnswer = Type.Object({ status: Type.Literal("success"), data: Type.Array(LabelSet) });
export type LokiSeriesAnswer = Static<typeof LokiSeriesAnswer>;

/** A line a tail did not send (its client read too slowly): its time in nanoseconds and labels. */
export const LokiDroppedEntry = Type.Object({ timestamp: Type.String(), labels: LabelSet });

/**
 * One WebSocket text frame of /loki/api/v1/tail, Loki's TailResponse: the next lines, oldest
 * first, and the lines dropped since the frame before; either is left out when empty, as Loki does.
 */
export const LokiTailFrame = Type.Object({
  streams: Type.Optional(Type.Array(LokiStream)),
  dropped_entries: Type.Optional(Type.Array(LokiDroppedEntry)),
});
export type LokiTailFrame = Static<typeof LokiTailFrame>;
