import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { answers, IngestResult } from "../../../protocol/api/ops.ts";
import { BATCH_CONTENT_TYPE, BatchFormatError, BatchTooLarge } from "../../../protocol/batch.ts";
import { CollectorIds, DuplicateCollector } from "../../ingest/collector-ids.ts";
import { ingestBatch } from "../../ingest/ingest.ts";
import type { ApiDeps } from "../deps.ts";
import { HttpError } from "../http-error.ts";
import { batchSenderOf } from "../row-scope.ts";

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function ingestRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const collectors = new CollectorIds();
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Bodies stay raw: they may be gzip, and the batch is validated record by record.
  app.addContentTypeParser(
    BATCH_CONTENT_TYPE,
    { parseAs: "buffer", bodyLimit: MAX_BODY_BYTES },
    (_req, body, done) => done(null, body),
  );
  app.post(
    "/api/v1/ingest",
    {
      schema: {
        summary: "Store one collector batch (gzip NDJSON: header line, then records); acked after commit",
        tags: ["ingest"],
        headers: Type.Object({ "content-type": Type.Optional(Type.Literal(BATCH_CONTENT_TYPE)) }),
        response: answers(IngestResult),
      },
    },
    async (req) => {
      // The token (ingest or admin role) was checked by the auth hook before the body was read.
      const encoding = req.headers["content-encoding"];
      if (encoding && encoding !== "gzip" && encoding !== "identity") {
        deps.metrics.batches.inc({ outcome: "rejected" });
        throw new HttpError(415, `content-encoding ${encoding} is not supported; send gzip or identity`);
      }
      try {
        // A few batches at a time: each holds its decompressed size in memory until stored.
        const result = await deps.limits.ingest.run(() =>
          ingestBatch(
            deps.store,
            req.body as Buffer,
            { gzipped: encoding === "gzip", limits: deps.limits.batch, onStored: deps.onBatchStored },
            deps.metrics,
            batchSenderOf(req),
            collectors,
          ),
        );
        deps.inserts.succeeded();
        deps.metrics.batches.inc({ outcome: "stored" });
        if (result.rejected > 0)
          req.log.warn({ batch: result.batchId, errors: result.errors }, "records rejected at ingest");
        return result;
      } catch (err) {
        if (err instanceof BatchFormatError) {
          deps.metrics.batches.inc({ outcome: "rejected" });
          throw new HttpError(400, err.message);
        }
        if (err instanceof DuplicateCollector) {
          deps.metrics.batches.inc({ outcome: "duplicate_collector" });
          req.log.error({ err: err.message }, "batch refused: duplicate collector id");
          throw new HttpError(409, err.message);
        }
        if (err instanceof BatchTooLarge) {
          deps.metrics.batches.inc({ outcome: "too_large" });
          throw err; // 413 with its message
        }
        // Anything else is the store failing to commit: counted, and reported by /healthz.
        deps.metrics.insertFailures.inc();
        deps.inserts.failed(err);
        throw err;
      }
    },
  );
}
