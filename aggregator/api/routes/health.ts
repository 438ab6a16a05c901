import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Health } from "../../../protocol/api/ops.ts";
import type { ApiDeps } from "../deps.ts";

const MiB = 1024 ** 2;

/** Why the aggregator cannot take batches as it should right now, each with what to do. */
function problemsOf(deps: ApiDeps, freeBytes: number): string[] {
  const problems: string[] = [];
  const floor = deps.limits.minFreeDiskBytes;
  if (freeBytes < floor)
    problems.push(
      `the store's disk has ${Math.floor(freeBytes / MiB)} MiB free, below the floor of ${Math.floor(floor / MiB)} MiB (--min-free-disk): free space or move the store`,
    );
  if (deps.inserts.failingNow())
    problems.push(
      `the last insert failed and none succeeded since (${deps.inserts.lastFailure?.error}); collectors keep their batches and retry`,
    );
  return problems;
}

export async function healthRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, version, inserts } = deps;
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/healthz",
    {
      schema: {
        summary: "Liveness, the store's disk and recent insert failures (503 when degraded)",
        tags: ["ops"],
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      const insertsNow = { failures: inserts.failures, lastFailure: inserts.lastFailure };
      let disk: { freeBytes: number; totalBytes: number };
      try {
        disk = await store.diskUsage();
      } catch (err) {
        return reply.code(503).send({
          status: "store unreachable" as const,
          version,
          store: { kind: store.kind },
          inserts: insertsNow,
          problems: [`the store does not answer: ${String(err).split("\n")[0]}`],
        });
      }
      const problems = problemsOf(deps, disk.freeBytes);
      return reply.code(problems.length > 0 ? 503 : 200).send({
        status: problems.length > 0 ? ("degraded" as const) : ("ok" as const),
        version,
        store: { kind: store.kind, ...disk },
        inserts: insertsNow,
        problems,
      });
    },
  );
}
