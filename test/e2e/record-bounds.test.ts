// One record never costs its batch. A time the store cannot keep (no real date, before 1970,
// more than a day ahead) is replaced by the time the record was received, its own kept in the
// attribute time.original; a record the store could not take as one row (too large, nested too
// deep, a key or map past the limits, a kind that is no kind) is refused alone with its reason.
// Through a real aggregator, and for times from a UDP syslog datagram through a real collector.
import { createSocket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventRow } from "../../protocol/api/events.ts";
import type { LogLine } from "../../protocol/api/logs.ts";
import { RECORD_LIMITS } from "../../protocol/records.ts";
import { TIME_ORIGINAL_ATTRIBUTE } from "../../protocol/time.ts";
import { uniqueName } from "../helpers/docker.ts";
import { postLines } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { sampleRecord } from "../helpers/records.ts";
import { freePort, getJson, metricTotal, useAggregator, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

type Row = LogLine & { attributes: Record<string, string> };

/** Times the store cannot keep as they are: far future, past 2106, before 1970, no such day. */
const POISON_TIMES = [
  "2300-01-01T00:00:00Z",
  "2150-01-01T00:00:00Z",
  "2107-06-01T00:00:00Z",
  "1960-01-01T00:00:00Z",
  "1901-12-13T20:45:52Z",
  "2026-02-30T12:00:00Z",
];

const ms = (t: string) => Date.parse(t);

/** Its time lies between `from` and now, and its own is kept. */
function expectRetimed(row: Row, original: string, from: number): void {
  expect({ body: row.body, original: row.attributes[TIME_ORIGINAL_ATTRIBUTE] }).toEqual({
    body: row.body,
    original,
  });
  expect(ms(row.time)).toBeGreaterThanOrEqual(from - 1000);
  expect(ms(row.time)).toBeLessThanOrEqual(Date.now());
}

describe("ingest keeps a record whose time the store cannot keep, and refuses a bad record alone", () => {
  // Batches of up to 256 MiB decompressed (the default bound, --max-batch-bytes, refuses one
  // holding a 100 MiB record whole with a 413), so that such a record reaches ingest's checks.
  beforeAll(() => {
    process.env.FLEETSCOPE_MAX_BATCH_BYTES = "256MiB";
  });
  afterAll(() => {
    delete process.env.FLEETSCOPE_MAX_BATCH_BYTES;
  });
  const agg = useAggregator("records");
  const host = uniqueName("records-host");
  const line = (body: string, fields = {}) =>
    JSON.stringify(logRecord({ time: new Date().toISOString(), host, body, ...fields }));
  const logsOf = async (q: string) =>
    (await getJson<{ logs: Row[] }>(agg.url, `/api/v1/logs?host=${host}&since=15m&limit=1000&q=${q}`)).logs;

  it("stores lines dated 2300, 2150, 2107, 1960, 1901 or February 30 with the received time", async () => {
    const from = Date.now();
    const lines = POISON_TIMES.map((time, i) => line(`poisoned-${i}`, { time }));
    const answer = await postLines(agg.url, [...lines, line("after-poison")]);
    expect(answer).toEqual({
      status: 200,
      body: expect.objectContaining({ accepted: lines.length + 1, rejected: 0 }),
    });
    const rows = await logsOf("poisoned");
    expect(rows).toHaveLength(POISON_TIMES.length);
    for (const row of rows) expectRetimed(row, POISON_TIMES[Number(row.body.split("-")[1])] as string, from);
    expect((await logsOf("after-poison")).map((r) => r.attributes)).toEqual([{}]);
    expect(await metricTotal(agg.url, "fleetscope_aggregator_records_retimed_total", 'kind="log"')).toBe(
      POISON_TIMES.length,
    );
  });

  it("gives other kinds the received time too", async () => {
    const from = Date.now();
    const event = {
      kind: "event",
      time: "2300-01-01T00:00:00Z",
      host,
      containerId: "",
      containerName: "poisoned-event",
      image: "",
      type: "container",
      action: "die",
      exitCode: 1,
      attributes: {},
    };
    const sample = sampleRecord({ time: "1960-01-01T00:00:00Z", host, containerName: "poisoned-sample" });
    const answer = await postLines(agg.url, [JSON.stringify(event), JSON.stringify(sample)]);
    expect(answer.body).toMatchObject({ accepted: 2, rejected: 0 });
    const { events } = await getJson<{ events: (EventRow & { attributes: Record<string, string> })[] }>(
      agg.url,
      `/api/v1/events?host=${host}&since=15m`,
    );
    expect(events.map((e) => e.attributes[TIME_ORIGINAL_ATTRIBUTE])).toEqual(["2300-01-01T00:00:00Z"]);
    expect(ms(events[0]?.time as string)).toBeGreaterThanOrEqual(from - 1000);
  });

  let deep = '"x"';
  for (let i = 0; i < 10_000; i++) deep = `{"a":${deep}}`;
  // Past the store's 10 MiB of JSON per row (which failed the whole insert), and far past.
  const big = (mib: number) => "x".repeat(mib << 20);
  const many: Record<string, string> = {};
  for (let i = 0; i <= RECORD_LIMITS.mapEntries; i++) many[`k${i}`] = "v";
  // A line, or (the large ones) how to make it when its test runs.
  const BAD: [string, string | (() => string), RegExp][] = [
    [
      "a kind named __proto__",
      '{"kind":"__proto__"}',
      /unknown record kind "__proto__"; expected one of log/,
    ],
    ["a kind nested 10,000 deep", `{"kind":${deep}}`, /unknown record kind an object/],
    [
      "an attribute nested 10,000 deep",
      line("x").replace('"attributes":{}', `"attributes":{"a":${deep}}`),
      /field "attributes.a" must be a string/,
    ],
    ["a 12 MiB attribute value", () => line("x", { attributes: { a: big(12) } }), /is larger than 8 MiB/],
    ["a 12 MiB body", () => line(big(12)), /is larger than 8 MiB/],
    ["a 100 MiB attribute value", () => line("x", { attributes: { a: big(100) } }), /is larger than 8 MiB/],
    ["a 100 MiB body", () => line(big(100)), /is larger than 8 MiB/],
    [
      "a 2 MiB body",
      line("y".repeat(2 << 20)),
      new RegExp(`field "body" is longer than ${RECORD_LIMITS.bodyChars} characters`),
    ],
    [
      "a 100 KiB attribute value",
      line("x", { attributes: { a: "v".repeat(100 << 10) } }),
      new RegExp(`field "attributes.a" is longer than ${RECORD_LIMITS.valueChars} characters`),
    ],
    [
      "an attribute key of 300 characters",
      line("x", { attributes: { ["k".repeat(300)]: "v" } }),
      /field "attributes.k{40}…" is a key longer than 256 characters/,
    ],
    [
      "513 attributes",
      line("x", { attributes: many }),
      new RegExp(`field "attributes" has more than ${RECORD_LIMITS.mapEntries} entries`),
    ],
  ];

  it.each(BAD)("refuses %s alone and stores the line after it", async (_, bad, reason) => {
    const marker = uniqueName("after-bad");
    const answer = await postLines(agg.url, [typeof bad === "string" ? bad : bad(), line(marker)]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(answer.body.errors).toEqual([expect.stringMatching(/^record 1: /)]);
    expect(answer.body.errors?.[0]).toMatch(reason);
    expect((await logsOf(marker)).map((r) => r.body)).toEqual([marker]);
  });
});

describe("a syslog datagram dated where the store cannot keep it, through a real collector", () => {
  let port = 0;
  const extra: string[] = [];
  const app = uniqueName("poison-app").replace(/[^a-z0-9-]/g, "");
  beforeAll(async () => {
    port = await freePort();
    extra.push("--syslog-listen", `127.0.0.1:${port}`);
  });
  const up = useUpStack("records-syslog", [], extra);

  it("stores it with the time it arrived and its own in time.original, and the host's later lines", async () => {
    const from = Date.now();
    const socket = createSocket("udp4");
    const send = (stamp: string, body: string) =>
      new Promise<void>((resolve, reject) =>
        socket.send(`<14>1 ${stamp} probe ${app} - - - ${body}`, port, "127.0.0.1", (e) =>
          e ? reject(e) : resolve(),
        ),
      );
    const stamps = [
      "2300-01-01T00:00:00Z",
      "1960-01-01T00:00:00Z",
      "2026-02-30T12:00:00Z",
      "2150-01-01T00:00:00Z",
    ];
    for (const [i, stamp] of stamps.entries()) await send(stamp, `poisoned-${i}`);
    for (let i = 0; i < 10; i++) await send(new Date().toISOString(), `later-${i}`);
    socket.close();

    const rows = (await waitFor("every line of the sender stored", async () => {
      const { logs } = await getJson<{ logs: Row[] }>(
        up.url,
        `/api/v1/logs?identifier=${app}&since=15m&limit=100`,
      );
      return logs.length >= stamps.length + 10 ? logs : undefined;
    })) as Row[];
    expect(rows).toHaveLength(stamps.length + 10);
    const poisoned = rows.filter((r) => r.body.startsWith("poisoned-"));
    expect(poisoned).toHaveLength(stamps.length);
    for (const row of poisoned) expectRetimed(row, stamps[Number(row.body.split("-")[1])] as string, from);
    const later = rows.filter((r) => r.body.startsWith("later-"));
    expect(later.every((r) => r.attributes[TIME_ORIGINAL_ATTRIBUTE] === undefined)).toBe(true);
    // Replaced where the collector read it, where the time of receipt is exact.
    expect(await metricTotal(up.url, "fleetscope_collector_records_retimed_total", 'kind="log"')).toBe(
      stamps.length,
    );
  });
});
