import { describe, expect, it } from "vitest";
import { createCollectorMetrics } from "../../collector/metrics.ts";
import { Pipeline } from "../../collector/pipeline.ts";
import { MULTILINE_LINES_ATTRIBUTE, MultilineJoiner } from "../../collector/processors/multiline.ts";
import type { Spool } from "../../collector/spool/spool.ts";
import type { FleetRecord, LogRecord } from "../../protocol/records.ts";
import { fixtureText, producerRecords } from "../helpers/producer-lines.ts";
import { waitFor } from "../helpers/wait.ts";

const OPTS = { lingerMs: 500, maxLines: 1000, maxChars: 256 * 1024 };

function joinAll(records: LogRecord[], opts = OPTS): LogRecord[] {
  const j = new MultilineJoiner<number>(opts);
  const out = records.flatMap((r, i) => j.push(r, i, 0));
  return [...out, ...j.flush(0, true)].map((x) => x.record);
}

const trace = (name: string) => fixtureText(name).trimEnd();

/** A coloured terminal capture (test/fixtures/log-lines/tty/) as one container's stderr lines. */
function ttyRecords(name: string): LogRecord[] {
  const [base] = producerRecords();
  return fixtureText(`tty/${name}`)
    .trimEnd()
    .split(/\r?\n/)
    .map((body, i) => ({ ...(base as LogRecord), stream: "stderr", body, seq: i, attributes: {} }));
}

describe("multi-line joining of one container stream (real traces through json-file)", () => {
  const joined = joinAll(producerRecords());
  const stderr = joined.filter((r) => r.stream === "stderr").map((r) => r.body);

  it("joins the Java trace, its Caused by and frames, into one record", () => {
    expect(stderr).toContain(trace("java-trace.txt"));
    const r = joined.find((x) => x.body.startsWith("Exception in thread"));
    expect(r?.attributes[MULTILINE_LINES_ATTRIBUTE]).toBe("15");
  });

  it("joins the Python traceback through its exception line", () => {
    expect(stderr).toContain(trace("python-trace.txt"));
  });

  it("joins the Go panic with its goroutine dump", () => {
    expect(stderr).toContain(trace("go-panic.txt"));
  });

  it("joins Node's `at` frames to their error line and leaves the rest alone", () => {
    const node = trace("node-trace.txt").split("\n");
    expect(stderr).toContain(node.slice(4, 13).join("\n")); // TypeError: bad thing + 8 frames
    expect(stderr).toContain("[eval]:1");
    expect(stderr).toContain("Node.js v20.20.2");
  });

  it("passes every other line through unchanged and in order", () => {
    const stdout = joined.filter((r) => r.stream === "stdout").map((r) => r.body);
    expect(stdout).toEqual(
      producerRecords()
        .filter((r) => r.stream === "stdout")
        .map((r) => r.body),
    );
    expect(joined.map((r) => r.body).join("\n")).toBe(
      producerRecords()
        .map((r) => r.body)
        .join("\n"),
    );
  });

  it("never joins across streams or containers, and caps a record's size", () => {
    const [head, at] = producerRecords().filter((r) => /^(Exception in|\tat Boom.main)/.test(r.body));
    const other = { ...(at as LogRecord), containerId: "d".repeat(64) };
    expect(joinAll([head as LogRecord, other])).toHaveLength(2);
    expect(joinAll([head as LogRecord, { ...(at as LogRecord), stream: "stdout" }])).toHaveLength(2);
    const frames = Array.from({ length: 10 }, () => ({ ...(at as LogRecord) }));
    expect(
      joinAll([head as LogRecord, ...frames], { ...OPTS, maxLines: 4 }).map((r) => r.body.split("\n").length),
    ).toEqual([4, 4, 3]);
  });

  it("does not hold ordinary lines at all", () => {
    const j = new MultilineJoiner<number>(OPTS);
    const plain = producerRecords().find((r) => r.body.startsWith("INFO")) as LogRecord;
    expect(j.push(plain, 1, 0)).toHaveLength(1);
    expect(j.held).toBe(0);
  });
});

/** A spool that remembers what was written, with the cursors beside it (on a group's last batch, as Spool does). */
function fakeSpool() {
  const batches: { bodies: string[]; cursors: Record<string, unknown> }[] = [];
  const spool = {
    cursors: {},
    async appendGroup(parts: { records: FleetRecord[] }[], cursors: Record<string, unknown>) {
      for (const [i, { records }] of parts.entries())
        batches.push({
          bodies: records.map((r) => (r as LogRecord).body),
          cursors: i === parts.length - 1 ? cursors : {},
        });
    },
  } as unknown as Spool;
  return { spool, batches };
}

describe("multi-line joining of coloured traces (real terminal output)", () => {
  it("joins Node's grey internal frames (ESC[90m    at …) to the rest of the trace", () => {
    const lines = ttyRecords("node24-trace.txt");
    const bodies = joinAll(lines).map((r) => r.body);
    const from = lines.findIndex((r) => r.body === "TypeError: bad thing");
    const frames = lines.slice(from, from + 10).map((r) => r.body); // the error line + 9 frames
    expect(frames.at(-1)).toContain("at node:internal/main/eval_string");
    expect(bodies).toContain(frames.join("\n"));
  });

  it("joins a coloured Python traceback through its coloured exception line", () => {
    const lines = ttyRecords("python313-trace.txt");
    const joined = joinAll(lines);
    expect(joined).toHaveLength(1);
    expect(joined[0]?.body).toBe(lines.map((r) => r.body).join("\n"));
  });
});

describe("the pipeline holds a source's cursor while the joiner holds its lines", () => {
  const lines = producerRecords();
  const pick = (prefix: string) => ({ ...(lines.find((r) => r.body.startsWith(prefix)) as LogRecord) });
  const metrics = createCollectorMetrics(() => ({ batches: 0, bytes: 0, corruptBatches: 0 }) as never);

  it("persists a cursor only once every line before it is in a batch", async () => {
    const { spool, batches } = fakeSpool();
    const p = new Pipeline(
      spool,
      { maxBatchRecords: 1, flushIntervalMs: 10_000, multiline: "auto", multilineLingerMs: 60_000 },
      metrics,
    );
    await p.emit("src", [pick("INFO"), pick("Exception in thread")], "c1");
    await p.emit("src", [pick("\tat Boom.main")], "c2");
    // A crash here resumes before c1: the held head and its frame are read again, not lost.
    expect(batches.map((b) => b.cursors.src)).toEqual([undefined]);
    await p.emit("src", [pick("plain line on stderr")], "c3"); // the trace's stream goes on
    // One record a batch (maxBatchRecords): the cursor goes only with the batch that empties the buffer.
    expect(batches.slice(-2)).toEqual([
      {
        bodies: [
          'Exception in thread "main" java.lang.RuntimeException: request failed\n\tat Boom.main(Boom.java:10)',
        ],
        cursors: {},
      },
      { bodies: ["plain line on stderr"], cursors: { src: "c3" } },
    ]);
  });

  it("releases a held line after the linger, cursor with it, and on flush()", async () => {
    const { spool, batches } = fakeSpool();
    const p = new Pipeline(
      spool,
      { maxBatchRecords: 100, flushIntervalMs: 5, multiline: "auto", multilineLingerMs: 50 },
      metrics,
    );
    await p.emit("src", [pick("Traceback")], "c1");
    await waitFor("the held line spooled", () => batches.some((b) => b.cursors.src === "c1"), {
      intervalMs: 10,
    });
    expect(batches.flatMap((b) => b.bodies)).toEqual(["Traceback (most recent call last):"]);
    await p.emit("src", [pick("panic:")], "c2");
    await p.flush(); // what receivers await before acking: nothing may stay held
    expect(batches.at(-1)?.cursors.src).toBe("c2");
  });

  it("passes records straight through with multiline off", async () => {
    const { spool, batches } = fakeSpool();
    const p = new Pipeline(spool, { maxBatchRecords: 1, flushIntervalMs: 10_000 }, metrics);
    await p.emit("src", [pick("Exception in thread")], "c1");
    expect(batches).toEqual([{ bodies: [pick("Exception in thread").body], cursors: { src: "c1" } }]);
  });
});
