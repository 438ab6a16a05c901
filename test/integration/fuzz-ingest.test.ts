// Fuzzing the aggregator's ingest: 100 000 random, garbled and half-valid batches through the
// parse/validate path (ingestBatch with a store that accepts anything), then a few hundred through
// HTTP to a real aggregator on a temp dir: every answer is a 200 or a 4xx with a message, refusals
// are counted in /metrics, a gzip bomb is refused as too large, and the aggregator keeps serving.
import { createGzip, gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CollectorIds } from "../../aggregator/ingest/collector-ids.ts";
import { ingestBatch } from "../../aggregator/ingest/ingest.ts";
import { createAggregatorMetrics } from "../../aggregator/metrics.ts";
import type { Store } from "../../aggregator/store/store.ts";
import { BatchFormatError } from "../../protocol/batch.ts";
import { apiFetch, tokenFor } from "../helpers/api.ts";
import { logRecord } from "../helpers/log-record.ts";
import { useAggregator } from "../helpers/stack.ts";

const RUNS = 100_000;
const GZIP_RUNS = 20_000;
const HTTP_RUNS = 300;

const validLog = logRecord({
  time: "2026-11-22T01:00:00.000000001Z",
  host: "fuzz",
  source: "fuzz",
  containerName: "fuzz",
  pid: 1,
  severityNumber: 9,
  severityText: "INFO",
  body: "fuzz line",
  attributes: { a: "b" },
  seq: 1,
});
const KEYS = Object.keys(validLog);
/** A valid record with one field replaced by anything, or removed; or any JSON; or garbage. */
const recordLine = fc.oneof(
  fc.constant(JSON.stringify(validLog)),
  fc
    .tuple(fc.constantFrom(...KEYS), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }))
    .map(([k, v]) => JSON.stringify({ ...validLog, [k]: v })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: "binary", maxLength: 80 }),
);
const header = fc.oneof(
  fc
    .string({ minLength: 1, maxLength: 12 })
    .map((id) => JSON.stringify({ v: 1, batchId: `fuzz-${id}`, collectorId: "f", host: "fuzz", count: 1 })),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 30 }),
);
const ndjson = fc
  .tuple(header, fc.array(recordLine, { maxLength: 6 }))
  .map(([h, lines]) => [h, ...lines].join("\n"));
/** [body, gzipped?]: a valid-ish batch, gzipped or not, cut short, bit-flipped, or random bytes. */
const body = fc.oneof(
  ndjson.map((t) => [Buffer.from(t), false] as const),
  ndjson.map((t) => [gzipSync(t), true] as const),
  fc.tuple(ndjson, fc.nat(), fc.nat(255)).map(([t, at, bits]) => {
    const z = gzipSync(t);
    const i = at % z.length;
    z[i] = (z[i] as number) ^ bits;
    return [z, true] as const;
  }),
  fc.tuple(ndjson, fc.nat()).map(([t, at]) => {
    const z = gzipSync(t);
    return [z.subarray(0, at % z.length), true] as const;
  }),
  fc.tuple(fc.uint8Array({ maxLength: 100 }), fc.boolean()).map(([b, g]) => [Buffer.from(b), g] as const),
);

describe("fuzz: ingest parse/validate (no store)", () => {
  const store = { insertRows: async () => undefined } as unknown as Store;
  const metrics = createAggregatorMetrics();
  const sender = { tokenId: "test", logSet: "default" };

  const answersOrRefuses = async ([b, gzipped]: readonly [Buffer, boolean]) => {
    try {
      const r = await ingestBatch(store, b, { gzipped }, metrics, sender, new CollectorIds());
      return r.rejected >= 0 && r.errors.length <= 20 && r.errors.every((e) => typeof e === "string");
    } catch (err) {
      return err instanceof BatchFormatError && err.message.length > 0;
    }
  };

  it(`answers every plain batch with counts or a BatchFormatError (${RUNS} cases)`, async () => {
    const plain = fc.oneof(
      ndjson.map((t) => [Buffer.from(t), false] as const),
      fc.uint8Array({ maxLength: 100 }).map((b) => [Buffer.from(b), false] as const),
    );
    await fc.assert(fc.asyncProperty(plain, answersOrRefuses), { numRuns: RUNS });
  });

  it(`and every gzipped, bit-flipped or cut batch (${GZIP_RUNS} cases: zlib dominates the time)`, async () => {
    await fc.assert(fc.asyncProperty(body, answersOrRefuses), { numRuns: GZIP_RUNS });
  });
});

/** ~300 MiB of zeros gzipped to ~300 KiB, built in 1 MiB steps so the test itself stays small. */
async function gzipBomb(): Promise<Buffer> {
  const gz = createGzip();
  const parts: Buffer[] = [];
  gz.on("data", (d: Buffer) => parts.push(d));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 300; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once("drain", r));
  await new Promise((r) => gz.end(r));
  return Buffer.concat(parts);
}

describe("fuzz: POST /api/v1/ingest on a real aggregator", () => {
  const agg = useAggregator("fuzz-ingest");
  /** The aggregator's admin token (may ingest), remembered when it started. */
  const token = () => tokenFor(agg.url) as string;

  it(`answers ${HTTP_RUNS} random requests with 200 or a 4xx and a message, counted in /metrics`, async () => {
    const request = fc.record({
      body,
      token: fc.oneof(fc.constant(token()), fc.constant(token()), fc.string({ maxLength: 20 })),
      encoding: fc.constantFrom("gzip", "identity", undefined, "br"),
    });
    const statuses: number[] = [];
    for (const r of fc.sample(request, { numRuns: HTTP_RUNS, seed: 6 })) {
      const [b, gzipped] = r.body;
      const res = await apiFetch(agg.url, "/api/v1/ingest", {
        method: "POST",
        // A random string as the token, sent as given (a blank one as no header at all).
        token: r.token,
        headers: {
          "content-type": "application/x-ndjson",
          ...(r.encoding
            ? { "content-encoding": r.encoding === "gzip" && !gzipped ? "identity" : r.encoding }
            : {}),
        },
        body: new Uint8Array(b),
      });
      const answer = (await res.json()) as { error?: string };
      statuses.push(res.status);
      if (res.status !== 200) expect(answer.error, `status ${res.status}`).toMatch(/\w{3}/);
    }
    expect(statuses.filter((s) => s !== 200 && (s < 400 || s >= 500))).toEqual([]);
    const tally = (s: number) => statuses.filter((x) => x === s).length;
    expect(tally(200)).toBeGreaterThan(10);
    expect(tally(400)).toBeGreaterThan(10);
    expect(tally(401)).toBeGreaterThan(10);
    const text = await (await apiFetch(agg.url, "/metrics")).text();
    const metric = (outcome: string) =>
      Number(
        new RegExp(`^fleetscope_aggregator_batches_total\\{outcome="${outcome}"\\} (\\d+)$`, "m").exec(
          text,
        )?.[1] ?? 0,
      );
    expect(metric("unauthorized")).toBe(tally(401));
    expect(metric("rejected")).toBe(tally(400) + tally(415));
    expect(metric("stored")).toBe(tally(200));
  });

  it("refuses a gzip bomb with a 413 naming the bound, and keeps serving", async () => {
    const res = await apiFetch(agg.url, "/api/v1/ingest", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
      body: new Uint8Array(await gzipBomb()),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /larger than \d+ bytes decompressed \(--max-batch-bytes/,
    );
    expect((await apiFetch(agg.url, "/healthz", { token: null })).status).toBe(200);
  });
});
