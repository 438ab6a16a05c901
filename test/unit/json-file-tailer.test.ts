import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type FilePosition,
  JsonFileTailer,
  type TailedLine,
} from "../../collector/sources/json-file/json-file-tailer.ts";

const FIXTURES = new URL("../fixtures/docker-json/", import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** The rotated fixture's files as docker left them, oldest first, and the 250 lines they hold. */
const ROTATED = [fixture("rotated.log.2"), fixture("rotated.log.1"), fixture("rotated.log")];
const ROTATED_BODIES = Array.from(
  { length: 250 },
  (_, i) => `rotation line ${String(i + 1).padStart(4, "0")} abcdefghijklmnopqrstuvwxyz`,
);
const LONG_40K = Array.from({ length: 4000 }, (_, i) => String(i).padStart(10, "0")).join("");

let dir: string;
let path: string;
const tailers: JsonFileTailer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fs-json-tailer-"));
  path = join(dir, "c-json.log");
});
afterEach(async () => {
  await Promise.all(tailers.splice(0).map((t) => t.close()));
  rmSync(dir, { recursive: true, force: true });
});

function tailer(start?: FilePosition, options: { maxBytesPerPoll?: number; maxRecordBytes?: number } = {}) {
  const t = new JsonFileTailer(path, { start, ...options });
  tailers.push(t);
  return t;
}

async function pollAll(t: JsonFileTailer): Promise<TailedLine[]> {
  const out: TailedLine[] = [];
  for (;;) {
    const r = await t.poll();
    out.push(...r.lines);
    if (!r.more) return out;
  }
}

/** Docker's rotation with max-file=3: `.1` → `.2` (replacing it), current → `.1`, new current. */
function rotate(): void {
  try {
    renameSync(`${path}.1`, `${path}.2`);
  } catch {
    // no .1 yet
  }
  renameSync(path, `${path}.1`);
  writeFileSync(path, "");
}

/** Byte offsets where each line of `buf` starts. */
function lineStarts(buf: Buffer): number[] {
  const starts = [0];
  for (let i = buf.indexOf(10); i !== -1 && i < buf.length - 1; i = buf.indexOf(10, i + 1))
    starts.push(i + 1);
  return starts;
}

describe("JsonFileTailer", () => {
  it("reads a file's lines in order with byte-offset seq and a cursor after each line", async () => {
    const bytes = fixture("basic.log");
    writeFileSync(path, bytes);
    const t = tailer();
    const lines = await pollAll(t);
    expect(lines.map((l) => `${l.stream}:${l.body}`)).toEqual(
      [1, 2, 3, 4, 5].flatMap((i) => [`stdout:out ${i}`, `stderr:err ${i}`]),
    );
    const starts = lineStarts(bytes);
    const inode = statSync(path).ino;
    expect(lines.map((l) => l.seq)).toEqual(starts);
    expect(lines.map((l) => l.cursor)).toEqual(
      [...starts.slice(1), bytes.length].map((offset) => ({ inode, offset })),
    );
    expect(lines[0]?.time).toBe("2026-11-22T02:22:06.421763957Z");
    expect(t.position).toEqual({ inode, offset: bytes.length });
    expect((await t.poll()).lines).toEqual([]);
  });

  it("reads an existing rotated family from the oldest file, each line once", async () => {
    writeFileSync(`${path}.2`, ROTATED[0] as Buffer);
    writeFileSync(`${path}.1`, ROTATED[1] as Buffer);
    writeFileSync(path, ROTATED[2] as Buffer);
    expect((await pollAll(tailer())).map((l) => l.body)).toEqual(ROTATED_BODIES);
  });

  it("follows rotations between polls: all lines once and in order", async () => {
    const [a, b, c] = ROTATED as [Buffer, Buffer, Buffer];
    const t = tailer();
    const got: string[] = [];
    const poll = async () => got.push(...(await pollAll(t)).map((l) => l.body));
    writeFileSync(path, a.subarray(0, 4000)); // ends mid-line: the torn line waits
    await poll();
    appendFileSync(path, a.subarray(4000));
    rotate(); // a → .1
    appendFileSync(path, b.subarray(0, 5000));
    await poll(); // drains a from the old fd, then switches to b
    expect(got.length).toBeLessThan(87 + 44);
    appendFileSync(path, b.subarray(5000));
    rotate(); // a → .2, b → .1
    appendFileSync(path, c);
    rotate(); // a is gone (already read), b → .2, c → .1: two rotations in one interval
    await poll(); // rest of b from the old fd, then c, then the new current file
    appendFileSync(path, '{"log":"after\\n","stream":"stdout","time":"2026-11-22T02:22:11Z"}\n');
    await poll();
    expect(got).toEqual([...ROTATED_BODIES, "after"]);
  });

  it("reads the rest of a file whose name was unlinked, through the open fd", async () => {
    const bytes = fixture("basic.log");
    const w = openSync(path, "a"); // docker's write fd
    writeSync(w, bytes.subarray(0, 300));
    const t = tailer();
    const first = await pollAll(t);
    unlinkSync(path); // docker rm
    writeSync(w, bytes.subarray(300));
    closeSync(w);
    const rest = await pollAll(t);
    expect([...first, ...rest].map((l) => l.body)).toEqual(
      [1, 2, 3, 4, 5].flatMap((i) => [`out ${i}`, `err ${i}`]),
    );
    expect(first.length).toBeGreaterThan(0);
    expect(rest.length).toBeGreaterThan(0);
  });

  it("resumes from any saved cursor with exactly the rest, across the rotated family", async () => {
    writeFileSync(`${path}.2`, ROTATED[0] as Buffer);
    writeFileSync(`${path}.1`, ROTATED[1] as Buffer);
    writeFileSync(path, ROTATED[2] as Buffer);
    const all = await pollAll(tailer());
    for (const i of [0, 1, 86, 87, 88, 150, 173, 174, 200, 248, 249]) {
      const resumed = await pollAll(tailer((all[i] as TailedLine).cursor));
      expect(
        resumed.map((l) => l.body),
        `after line ${i}`,
      ).toEqual(ROTATED_BODIES.slice(i + 1));
    }
  });

  it("resumes where it stopped when the file rotated while it was down", async () => {
    const [a, b] = ROTATED as [Buffer, Buffer];
    writeFileSync(path, a);
    const first = await pollAll(tailer());
    const saved = first[40]?.cursor as FilePosition;
    rotate();
    writeFileSync(path, b);
    const rest = await pollAll(tailer(saved));
    expect([...first.slice(0, 41), ...rest].map((l) => l.body)).toEqual(ROTATED_BODIES.slice(0, 174));
  });

  it("reads every file from the oldest when the saved inode is gone", async () => {
    writeFileSync(`${path}.1`, ROTATED[1] as Buffer);
    writeFileSync(path, ROTATED[2] as Buffer);
    const t = tailer({ inode: 1, offset: 500 });
    const r = await t.poll();
    expect(r.resumeLost).toBe(true);
    expect(r.lines.map((l) => l.body)).toEqual(ROTATED_BODIES.slice(87));
  });

  it("returns docker's 40 000-char line, split in 16 KiB pieces, as one record", async () => {
    const bytes = fixture("long-line.log");
    writeFileSync(path, bytes);
    const lines = await pollAll(tailer());
    expect(lines.map((l) => l.body.length)).toEqual([6, 40_000, 5, 20_000, 3]);
    expect(lines[1]?.body).toBe(LONG_40K);
    const starts = lineStarts(bytes);
    expect(lines[1]?.seq).toBe(starts[1]); // offset of the first piece
    expect(lines[1]?.cursor.offset).toBe(starts[4]); // right after the last piece
    expect(lines[1]?.time).toBe(JSON.parse(bytes.toString("utf8", starts[1], starts[2])).time);
  });

  it("does not skip a half-read long line on restart", async () => {
    const bytes = fixture("long-line.log");
    const starts = lineStarts(bytes);
    writeFileSync(path, bytes.subarray(0, starts[3])); // "before" + two of the three pieces
    const first = await pollAll(tailer());
    expect(first.map((l) => l.body)).toEqual(["before"]);
    const t = tailer();
    await pollAll(t);
    expect(t.position?.offset).toBe(starts[1]); // at the first piece, not past it
    appendFileSync(path, bytes.subarray(starts[3]));
    const resumed = await pollAll(tailer(t.position));
    expect(resumed.map((l) => l.body.length)).toEqual([40_000, 5, 20_000, 3]);
    expect(resumed[0]?.body).toBe(LONG_40K);
  });

  it("keeps the cursor before an interleaved stderr line that is still being merged", async () => {
    const bytes = fixture("interleaved.log");
    const starts = lineStarts(bytes);
    writeFileSync(path, bytes);
    const lines = await pollAll(tailer());
    expect(lines.map((l) => [l.stream, l.body.length])).toEqual([
      ["stdout", 50_000],
      ["stderr", 50_000],
      ["stdout", 4],
    ]);
    // stdout completes at piece 6 while stderr's line (from piece 2) is unfinished.
    expect(lines[0]?.cursor.offset).toBe(starts[1]);
    expect(lines[1]?.cursor.offset).toBe(starts[8]);
    expect(lines[2]?.cursor.offset).toBe(bytes.length);
  });

  it("does not consume a torn last line until it is completed", async () => {
    const bytes = fixture("basic.log");
    const cut = (lineStarts(bytes)[3] as number) + 20;
    writeFileSync(path, bytes.subarray(0, cut));
    const t = tailer();
    expect((await t.poll()).lines.map((l) => l.body)).toEqual(["out 1", "err 1", "out 2"]);
    expect(t.position?.offset).toBe(lineStarts(bytes)[3]);
    expect((await t.poll()).lines).toEqual([]);
    appendFileSync(path, bytes.subarray(cut));
    expect((await t.poll()).lines.map((l) => l.body)).toEqual([
      "err 2",
      "out 3",
      "err 3",
      "out 4",
      "err 4",
      "out 5",
      "err 5",
    ]);
  });

  // The source's safety poll skips an idle tailer: idle() must say "nothing to read" only when a
  // poll would indeed find nothing, else a line a watch missed waits for the next write.
  it("says it is idle only when a poll would find nothing", async () => {
    const bytes = fixture("basic.log");
    const cut = (lineStarts(bytes)[3] as number) + 20;
    writeFileSync(path, bytes.subarray(0, cut));
    const t = tailer();
    expect(t.idle()).toBe(false); // not opened yet
    expect((await t.poll()).lines).toHaveLength(3);
    expect(t.idle()).toBe(false); // a torn last line waits for its end
    appendFileSync(path, bytes.subarray(cut));
    expect((await t.poll()).lines).toHaveLength(7);
    expect(t.idle()).toBe(true);
    expect((await t.poll()).lines).toEqual([]);
    appendFileSync(path, bytes.subarray(0, lineStarts(bytes)[1]));
    expect(t.idle()).toBe(false); // a line written
    expect((await t.poll()).lines.map((l) => l.body)).toEqual(["out 1"]);
    expect(t.idle()).toBe(true);
    rotate(); // a new, empty current file: the old one is done with only after a poll
    expect(t.idle()).toBe(false);
    expect((await t.poll()).lines).toEqual([]);
    expect(t.idle()).toBe(true);
    unlinkSync(path); // docker rm
    expect(t.idle()).toBe(false);
  });

  it("counts unparsable lines, skips them and keeps going", async () => {
    const [l1, l2] = fixture("basic.log").toString("utf8").split("\n");
    writeFileSync(
      path,
      `${l1}\nnot json at all\n{"log":"no stream\\n","time":"2026-11-22T00:00:00Z"}\n${l2}\n`,
    );
    const errors: string[] = [];
    const t = new JsonFileTailer(path, { onParseError: (e) => errors.push(e) });
    tailers.push(t);
    const r = await t.poll();
    expect(r.lines.map((l) => l.body)).toEqual(["out 1", "err 1"]);
    expect(r.parseErrors).toBe(2);
    expect(errors).toHaveLength(2);
    expect((await t.poll()).parseErrors).toBe(0);
  });

  it("reads a large backlog in bounded polls", async () => {
    writeFileSync(`${path}.2`, ROTATED[0] as Buffer);
    writeFileSync(`${path}.1`, ROTATED[1] as Buffer);
    writeFileSync(path, ROTATED[2] as Buffer);
    const t = tailer(undefined, { maxBytesPerPoll: 4096 });
    const first = await t.poll();
    expect(first.more).toBe(true);
    expect(first.lines.length).toBeLessThan(60);
    const rest: TailedLine[] = [];
    let bytes = first.bytes;
    for (let r = first; r.more; ) {
      r = await t.poll();
      rest.push(...r.lines);
      bytes += r.bytes;
    }
    expect([...first.lines, ...rest].map((l) => l.body)).toEqual(ROTATED_BODIES);
    // Each poll says how much of the files it read: all of them, once.
    expect(first.bytes).toBeGreaterThan(0);
    expect(bytes).toBe(ROTATED.reduce((n, b) => n + (b as Buffer).length, 0));
  });

  it("waits for a log file that does not exist yet", async () => {
    const t = tailer();
    expect(await t.poll()).toMatchObject({ lines: [], more: false });
    expect(t.position).toBeUndefined();
    writeFileSync(path, fixture("basic.log"));
    expect((await t.poll()).lines).toHaveLength(10);
  });

  it("flushes a line whose last piece never came", async () => {
    const bytes = fixture("long-line.log");
    const starts = lineStarts(bytes);
    writeFileSync(path, bytes.subarray(0, starts[2]));
    const t = tailer();
    await pollAll(t);
    const flushed = t.flush();
    expect(flushed.map((l) => l.body)).toEqual([LONG_40K.slice(0, 16_384)]);
    expect(flushed[0]?.cursor.offset).toBe(starts[2]);
  });
});
