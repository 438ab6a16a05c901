// The operational answers: /healthz, POST /api/v1/ingest, and the shape of every error.
import { type Static, type TSchema, Type } from "@sinclair/typebox";

/** /healthz: 200 when ok, 503 (same shape) when degraded or the store does not answer. */
export const Health = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("degraded"), Type.Literal("store unreachable")]),
  version: Type.String(),
  store: Type.Object({
    kind: Type.String({ description: "chdb (embedded) or clickhouse (a server)" }),
    freeBytes: Type.Optional(Type.Number({ description: "free space on the store's disks" })),
    totalBytes: Type.Optional(Type.Number()),
  }),
  inserts: Type.Object({
    failures: Type.Integer({ description: "batches the store failed to commit since start" }),
    lastFailure: Type.Optional(Type.Object({ at: Type.String(), error: Type.String() })),
  }),
  problems: Type.Array(Type.String(), { description: "why the status is not ok, each with what to do" }),
});
export type Health = Static<typeof Health>;

export const IngestResult = Type.Object({
  batchId: Type.String(),
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(Type.String(), {
    description: "the first few rejection reasons, with the record's line number in the batch",
  }),
});
export type IngestResult = Static<typeof IngestResult>;

/** Every error answer: a message a person can act on, and the HTTP status again. */
export const ApiError = Type.Object({ error: Type.String(), statusCode: Type.Integer() });
export type ApiError = Static<typeof ApiError>;

/** A route's answers: `ok` on success, ApiError for the caller's mistakes and for server faults. */
export const answers = <T extends TSchema>(ok: T) => ({ 200: ok, "4xx": ApiError, "5xx": ApiError });
