import { timingSafeEqual } from "node:crypto";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { answers, IngestResult } from "../../../protocol/api/ops.ts";
import { BATCH_CONTENT_TYPE, BatchFormatError } from "../../../protocol/batch.ts";
import { ingestBatch } from "../../ingest/ingest.ts";
import type { ApiDeps } from "../deps.ts";
import { HttpError } from "../http-error.ts";

const MAX_BODY_BYTES = 64 * 1024 * 1024;

function checkToken(req: FastifyRequest, token: string | undefined): void {
  if (!token) return;
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(
      401,
      "ingest needs the aggregator's token: send 'Authorization: Bearer <token>' (collector flag --token)",
    );
  }
}

export async function ingestRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
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
      try {
        checkToken(req, deps.token);
      } catch (err) {
        deps.metrics.batches.inc({ outcome: "unauthorized" });
        throw err;
      }
      const encoding = req.headers["content-encoding"];
      if (encoding && encoding !== "gzip" && encoding !== "identity") {
        deps.metrics.batches.inc({ outcome: "rejected" });
        throw new HttpError(415, `content-encoding ${encoding} is not supported; send gzip or identity`);
      }
      try {
        const result = await ingestBatch(
          deps.store,
          req.body as Buffer,
          { gzipped: encoding === "gzip" },
          deps.metrics,
        );
        deps.metrics.batches.inc({ outcome: "stored" });
        if (result.rejected > 0)
          req.log.warn({ batch: result.batchId, errors: result.errors }, "records rejected at ingest");
        return result;
      } catch (err) {
        if (err instanceof BatchFormatError) {
          deps.metrics.batches.inc({ outcome: "rejected" });
          throw new HttpError(400, err.message);
        }
        throw err;
      }
    },
  );
}
