// GET /api/v1/logs and /api/v1/logs/count.
import { type Static, Type } from "@sinclair/typebox";
import { LogRecord } from "../records.ts";
import { container, host, limit, Query, StringEnum, timeWindow } from "./params.ts";

/** Which lines: every filter of the log routes. */
export const LOG_FILTERS = {
  host: host("host name as the collector reports it"),
  container: container(),
  stream: Type.Optional(StringEnum(["stdout", "stderr"])),
  unit: Type.Optional(Type.String({ description: "systemd unit, e.g. docker.service" })),
  priority: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 7, description: "this syslog priority and more severe" }),
  ),
  identifier: Type.Optional(Type.String({ description: "syslog identifier, as journalctl -t takes it" })),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1000,
      description:
        'words the line contains, all of them (each case-insensitive, anywhere in it); "a quoted phrase" is one word',
    }),
  ),
  regex: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 500,
      description: "an RE2 regular expression the line matches (case-sensitive; (?i) for not)",
    }),
  ),
  ...timeWindow("1h"),
};

export const LogFilter = Query(LOG_FILTERS);
export type LogFilter = Static<typeof LogFilter>;

export const LogQuery = Query({ ...LOG_FILTERS, limit: limit(100, 10_000) });
export type LogQuery = Static<typeof LogQuery>;

/** A stored log line: the record as the collector sent it. */
export const LogLine = Type.Omit(LogRecord, ["kind"]);
export type LogLine = Static<typeof LogLine>;

export const LogsAnswer = Type.Object({ count: Type.Integer(), logs: Type.Array(LogLine) });
export type LogsAnswer = Static<typeof LogsAnswer>;

export const LogCountAnswer = Type.Object({ count: Type.Integer() });
export type LogCountAnswer = Static<typeof LogCountAnswer>;
