// The operational answers: /healthz, POST /api/v1/ingest, and the shape of every error.
import { type Static, type TSchema, Type } from "@sinclair/typebox";

export const Health = Type.Object({ status: Type.String(), store: Type.String(), version: Type.String() });
export const StoreUnreachable = Type.Object({
  status: Type.String(),
  store: Type.String(),
  error: Type.String(),
});

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
