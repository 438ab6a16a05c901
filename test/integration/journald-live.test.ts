// Runs the journald source and reader against the real journal of this host (standalone
// systemd-journald) and, for the line handling, against a scripted stand-in for journalctl.

import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { ContainerInfo } from "../../collector/docker/container-info.ts";
import type { ContainerInventory, InventoryEvents } from "../../collector/docker/inventory.ts";
import { JournalReader } from "../../collector/sources/journald/journal-reader.ts";
import { JournaldSource } from "../../collector/sources/journald/journald-source.ts";
import type { SourceContext } from "../../collector/sources/source.ts";
import type { FleetRecord, LogRecord } from "../../protocol/records.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { waitFor } from "../helpers/wait.ts";

const run = promisify(execFile);
const log = pino({ level: process.env.FLEETSCOPE_TEST_LOG ?? "silent" });

class EmptyInventory extends EventEmitter<InventoryEvents> implements ContainerInventory {
  list(): ContainerInfo[] {
    return [];
  }
  get(_id: string): ContainerInfo | undefined {
    return undefined;
  }
}

/** A SourceContext that keeps what the source emits. */
class CollectingContext implements SourceContext {
  readonly host = "live-test";
  readonly inventory = new EmptyInventory();
  readonly log = log;
  readonly cursor: unknown;
  readonly records: LogRecord[] = [];
  readonly cursors: unknown[] = [];
  constructor(cursor?: string) {
    this.cursor = cursor;
  }
  async spooled(): Promise<void> {}
  async emit(records: FleetRecord[], cursor?: unknown): Promise<void> {
    for (const r of records) if (r.kind === "log") this.records.push(r);
    this.cursors.push(cursor);
  }
  lastCursor(): string {
    const c = this.cursors.at(-1);
    if (typeof c !== "string") throw new Error(`no cursor emitted (last: ${String(c)})`);
    return c;
  }
  withMarker(marker: string): LogRecord[] {
    return this.records.filter((r) => r.body.includes(marker));
  }
}

/** Writes lines to the journal through one systemd-cat (stdout transport, so in order). */
async function journalLines(identifier: string, lines: string[]): Promise<void> {
  const child = spawn("systemd-cat", ["-t", identifier, "-p", "info"], {
    stdio: ["pipe", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  child.stdin.end(`${lines.join("\n")}\n`);
  expect(await exited).toBe(0);
}

function numbered(marker: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`${marker} line ${i}`);
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The cursor of the newest journal entry: lets a test start near the end instead of at the start. */
async function tailCursor(): Promise<string> {
  const { stdout } = await run("journalctl", [
    "-o",
    "json",
    "-n",
    "1",
    "--no-pager",
    "--output-fields=__CURSOR",
  ]);
  const cursor = (JSON.parse(stdout) as { __CURSOR?: string }).__CURSOR;
  if (!cursor) throw new Error(`no cursor in ${stdout}`);
  return cursor;
}

const sources: JournaldSource[] = [];
function newSource(): JournaldSource {
  const s = new JournaldSource({ lingerMs: 50 });
  sources.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

describe("JournaldSource on the real journal", () => {
  it("delivers 200 lines in order, then exactly the 100 written while stopped after a resume", async () => {
    const marker = `fs-live-${randomBytes(6).toString("hex")}`;

    const ctx1 = new CollectingContext(await tailCursor());
    const s1 = newSource();
    await s1.start(ctx1);
    await journalLines("fs-live", numbered(marker, 1, 200));
    await waitFor("the first 200 lines", () => ctx1.withMarker(marker).length >= 200 || undefined, {
      timeoutMs: 30_000,
    });
    const pid = s1.reader?.childPid;
    expect(pid).toBeTypeOf("number");
    await s1.stop();
    expect(isAlive(pid as number)).toBe(false); // the child was waited for, not leaked

    const first = ctx1.withMarker(marker);
    expect(first.map((r) => r.body)).toEqual(numbered(marker, 1, 200));
    for (const r of first) {
      expect(r.source).toBe("journald");
      expect(r.identifier).toBe("fs-live");
      expect(r.host).toBe("live-test");
      expect(r.severityText).toBe("INFO");
      expect(r.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    }
    // Each batch's cursor is the cursor of its last record.
    expect(ctx1.cursors.every((c) => typeof c === "string")).toBe(true);
    expect(ctx1.records.at(-1)?.attributes["journal.cursor"]).toBe(ctx1.lastCursor());

    await journalLines("fs-live", numbered(marker, 201, 300));
    const ctx2 = new CollectingContext(ctx1.lastCursor());
    const s2 = newSource();
    await s2.start(ctx2);
    await waitFor(
      "the 100 lines written while stopped",
      () => ctx2.withMarker(marker).length >= 100 || undefined,
      {
        timeoutMs: 30_000,
      },
    );
    // Give a duplicate (if any) the time to show up behind the last expected line.
    await journalLines("fs-live", [`${marker}-fence`]);
    await waitFor(
      "the fence line",
      () => ctx2.records.some((r) => r.body === `${marker}-fence`) || undefined,
    );
    await s2.stop();
    expect(
      ctx2
        .withMarker(marker)
        .map((r) => r.body)
        .filter((b) => !b.endsWith("-fence")),
    ).toEqual(numbered(marker, 201, 300));
  });

  it("shows a journald-driver container with its name and streams", async () => {
    const name = uniqueName("journald");
    const marker = `fs-live-ctr-${randomBytes(6).toString("hex")}`;
    const ctx = new CollectingContext(await tailCursor());
    await newSource().start(ctx);
    try {
      const script = [1, 2, 3]
        .map((i) => `echo "${marker} out ${i}"`)
        .concat([1, 2].map((i) => `echo "${marker} err ${i}" >&2`))
        .join("; ");
      await docker("run", "--name", name, "--log-driver", "journald", BUSYBOX, "sh", "-c", script);
      const id = await docker("inspect", "--format", "{{.Id}}", name);
      await waitFor("5 container lines", () => ctx.withMarker(marker).length >= 5 || undefined, {
        timeoutMs: 30_000,
      });
      const recs = ctx.withMarker(marker);
      expect(recs).toHaveLength(5);
      for (const r of recs) {
        expect(r.containerName).toBe(name);
        expect(r.containerId).toBe(id);
        expect(r.image).toBe(BUSYBOX);
      }
      const byStream = (s: string) => recs.filter((r) => r.stream === s).map((r) => r.body);
      expect(byStream("stdout")).toEqual([1, 2, 3].map((i) => `${marker} out ${i}`));
      expect(byStream("stderr")).toEqual([1, 2].map((i) => `${marker} err ${i}`));
    } finally {
      await removeContainers(name);
    }
  });

  it("reads the whole retained journal on a first start (no cursor)", async () => {
    const marker = `fs-live-first-${randomBytes(6).toString("hex")}`;
    await journalLines("fs-live", [`${marker} written before the start`]);
    const ctx = new CollectingContext(undefined);
    const source = newSource();
    await source.start(ctx);
    await waitFor(
      "the line written before the start",
      () => ctx.withMarker(marker).length === 1 || undefined,
      {
        timeoutMs: 60_000,
      },
    );
  });
  it("with --journal-since now, keeps what is written while its follower starts", async () => {
    // A follower slow to start (a loaded machine): the real journalctl, 1.5 s late when it follows.
    // A since read again by the follower ("now" at its start) would pass over the line below.
    const dir = mkdtempSync(join(tmpdir(), "fs-slow-journalctl-"));
    const started = join(dir, "follower-started");
    const wrapper = join(dir, "journalctl");
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase " $* " in *" --follow "*) : > ${started}; sleep 1.5;; esac\nexec journalctl "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const marker = `fs-live-since-${randomBytes(6).toString("hex")}`;
    const ctx = new CollectingContext(undefined);
    const source = new JournaldSource({ lingerMs: 50, journalctlPath: wrapper, firstStartSince: "now" });
    sources.push(source);
    try {
      await source.start(ctx);
      await waitFor("the follower to be starting", () => existsSync(started) || undefined);
      await journalLines("fs-live", [`${marker} written while the follower starts`]);
      await waitFor("the line written while the follower started", () =>
        ctx.withMarker(marker).length === 1 ? true : undefined,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("JournalReader", () => {
  it("restarts journalctl after an unexpected exit from the last cursor, without loss or duplicates", async () => {
    const marker = `fs-live-restart-${randomBytes(6).toString("hex")}`;
    const reader = new JournalReader({ log, cursor: await tailCursor(), restartMinMs: 50 });
    const got: string[] = [];
    reader.start();
    const consume = (async () => {
      for await (const e of reader)
        if (typeof e.MESSAGE === "string" && e.MESSAGE.includes(marker)) got.push(e.MESSAGE);
    })();
    try {
      await journalLines("fs-live", numbered(marker, 1, 50));
      await waitFor("the first 50", () => got.length >= 50 || undefined, { timeoutMs: 30_000 });
      const pid = reader.childPid as number;
      process.kill(pid, "SIGKILL");
      await waitFor(
        "the restarted journalctl",
        () => (reader.childPid && reader.childPid !== pid) || undefined,
      );
      expect(isAlive(pid)).toBe(false);
      await journalLines("fs-live", numbered(marker, 51, 100));
      await waitFor("the next 50", () => got.length >= 100 || undefined, { timeoutMs: 30_000 });
      expect(reader.stats.restarts).toBe(1);
    } finally {
      await reader.stop();
      await consume;
    }
    expect(got).toEqual(numbered(marker, 1, 100));
  });

  it("falls back to the whole journal when journalctl rejects the cursor", async () => {
    const reader = new JournalReader({ log, cursor: "not-a-cursor", restartMinMs: 50 });
    reader.start();
    try {
      const batch = await reader.readBatch(10, 0);
      expect(batch?.length).toBeGreaterThan(0);
      expect(reader.stats.restarts).toBe(1);
      expect(reader.args().join(" ")).not.toContain("not-a-cursor");
    } finally {
      await reader.stop();
    }
  });

  describe("with a scripted journalctl", () => {
    const dir = mkdtempSync(join(tmpdir(), "fs-fake-journalctl-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** An executable that prints `output` in chunks of 1…maxChunk bytes, then waits to be killed. */
    function fakeJournalctl(output: string, maxChunk = 7): string {
      const path = join(dir, `journalctl-${randomBytes(4).toString("hex")}.mjs`);
      writeFileSync(
        path,
        `#!${process.execPath}
const out = Buffer.from(${JSON.stringify(Buffer.from(output).toString("base64"))}, "base64");
let i = 0;
function next() {
  if (i >= out.length) return setInterval(() => {}, 1 << 30);
  const n = 1 + Math.floor(Math.random() * ${maxChunk});
  process.stdout.write(out.subarray(i, i + n), next);
  i += n;
}
next();
`,
      );
      chmodSync(path, 0o755);
      return path;
    }

    it("reassembles lines split across chunks and skips oversized and unparseable ones", async () => {
      const entry = (i: number, extra = "") =>
        JSON.stringify({ __CURSOR: `c${i}`, MESSAGE: `m${i} é${extra}` });
      const output = [
        entry(1),
        "not json at all",
        entry(2, "x".repeat(300)), // over the 256-byte bound below
        "[1,2,3]",
        "",
        entry(3),
        `${entry(4)}`,
      ].join("\n");
      const reader = new JournalReader({
        log,
        journalctlPath: fakeJournalctl(`${output}\n${entry(5)}`), // entry 5 lacks its newline
        maxLineBytes: 256,
      });
      reader.start();
      const got: unknown[] = [];
      const consume = (async () => {
        for await (const e of reader) got.push(e.MESSAGE);
      })();
      await waitFor("3 entries", () => got.length >= 3 || undefined, { timeoutMs: 10_000 });
      await waitFor("the skipped lines counted", () => reader.stats.unparseableLines === 2 || undefined);
      const pid = reader.childPid as number;
      await reader.stop();
      await consume;
      expect(isAlive(pid)).toBe(false);
      expect(got).toEqual(["m1 é", "m3 é", "m4 é"]);
      expect(reader.stats).toMatchObject({
        entries: 3,
        pauses: 0,
        oversizedLines: 1,
        unparseableLines: 2,
        restarts: 0,
      });
      expect(reader.cursor).toBe("c4");
    });

    it("pauses journalctl while the consumer is slow, and loses nothing", async () => {
      const n = 5000;
      const lines: string[] = [];
      for (let i = 1; i <= n; i++) lines.push(JSON.stringify({ __CURSOR: `c${i}`, MESSAGE: String(i) }));
      const reader = new JournalReader({
        log,
        journalctlPath: fakeJournalctl(`${lines.join("\n")}\n`, 4096),
        highWaterEntries: 100,
      });
      reader.start();
      const got: number[] = [];
      let maxQueued = 0;
      for (;;) {
        const batch = await reader.readBatch(50, 0);
        if (!batch) break;
        for (const e of batch) got.push(Number(e.MESSAGE));
        maxQueued = Math.max(maxQueued, reader.queued);
        if (got.length >= n) break;
        await new Promise((r) => setTimeout(r, 0)); // a consumer that yields between batches
      }
      await reader.stop();
      expect(got).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      // Bounded by the high-water mark plus what one stdout chunk can carry.
      expect(maxQueued).toBeLessThan(100 + 2000);
      expect(reader.stats.pauses).toBeGreaterThan(0);
    });
  });
});
