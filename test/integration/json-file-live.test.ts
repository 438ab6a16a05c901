// Against the real Docker engine (see test/helpers/docker.ts). The log file's path is
// computed before `docker start` (inspect's LogPath stays empty until the first start), so
// the tailer is already polling when the container writes its first line.
//
// Sizing: 3000 lines of `line NNNN` are ~78 bytes each in json-file, ~235 KB in all, so
// max-size=50k/max-file=3 rotates about four times. Only the files are deleted, never the fd
// the tailer holds, so a line is lost only if a file is created AND rotated off twice between
// two polls, i.e. ~100 KB (~1280 lines) written within one 50 ms poll interval. The container
// writes as fast as its shell can but pauses 20 ms every 100 lines (~7 KB), so 100 KB take
// at least ~260 ms: five poll intervals of margin even on a loaded two-core host.

import { EventEmitter } from "node:events";
import { existsSync, statSync } from "node:fs";
import type Docker from "dockerode";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { ContainerInfo } from "../../collector/docker/container-info.ts";
import { type ContainerInventory, toContainerInfo } from "../../collector/docker/inventory.ts";
import {
  type JsonFileCursor,
  JsonFileLogSource,
} from "../../collector/sources/json-file/json-file-source.ts";
import { JsonFileTailer } from "../../collector/sources/json-file/json-file-tailer.ts";
import type { FleetRecord, LogRecord } from "../../protocol/records.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { waitFor } from "../helpers/wait.ts";

const names: string[] = [];
afterAll(() => removeContainers(...names));

async function createContainer(
  logOpts: string[],
  script: string,
): Promise<{ name: string; id: string; logPath: string }> {
  const name = uniqueName("jsonlog");
  names.push(name);
  const id = await docker(
    "create",
    "--name",
    name,
    "--log-driver",
    "json-file",
    ...logOpts,
    BUSYBOX,
    "sh",
    "-c",
    script,
  );
  const root = await docker("info", "-f", "{{.DockerRootDir}}");
  return { name, id, logPath: `${root}/containers/${id}/${id}-json.log` };
}

async function inspectInfo(name: string): Promise<ContainerInfo> {
  const [raw] = JSON.parse(await docker("inspect", name)) as Docker.ContainerInspectInfo[];
  return toContainerInfo(raw as Docker.ContainerInspectInfo);
}

class FakeInventory extends EventEmitter implements ContainerInventory {
  readonly byId = new Map<string, ContainerInfo>();
  list(): ContainerInfo[] {
    return [...this.byId.values()];
  }
  get(id: string): ContainerInfo | undefined {
    return this.byId.get(id);
  }
}

/**
 * A JsonFileLogSource over `inventory` whose non-empty emits are kept in `emits`, and whose pacer
 * holds while `held()` says so (as while the aggregator falls behind), counting its waits.
 * `onEmit` runs after each kept emit, with the waits so far.
 */
async function pacedSource(
  inventory: ContainerInventory,
  held: () => boolean,
  onEmit: (waits: number) => void = () => {},
) {
  const emits: LogRecord[][] = [];
  const pacer = { waits: 0 };
  const source = new JsonFileLogSource({ pollIntervalMs: 20 });
  await source.start({
    host: "test-host",
    cursor: undefined,
    inventory,
    log: pino({ level: "silent" }),
    spooled: async () => {},
    emit: async (records: FleetRecord[]) => {
      if (records.length === 0) return;
      emits.push(records as LogRecord[]);
      onEmit(pacer.waits);
    },
    pacer: {
      get open() {
        return !held();
      },
      wait: async (signal: AbortSignal) => {
        pacer.waits++;
        while (held() && !signal.aborted) await new Promise((r) => setTimeout(r, 10));
      },
    },
  });
  return { source, emits, pacer };
}

describe("json-file logs from a live container", () => {
  it("tails 3000 lines through max-size rotation: all of them, in order, exactly once", async () => {
    const script =
      'i=1; while [ $i -le 3000 ]; do echo "line $(printf %04d $i)"; [ $((i % 100)) -eq 0 ] && usleep 20000; i=$((i+1)); done';
    const c = await createContainer(["--log-opt", "max-size=50k", "--log-opt", "max-file=3"], script);
    const tailer = new JsonFileTailer(c.logPath);
    const got: string[] = [];
    let errors = 0;
    let polling = true;
    const loop = (async () => {
      while (polling) {
        const r = await tailer.poll();
        got.push(...r.lines.map((l) => l.body));
        errors += r.parseErrors;
        await new Promise((res) => setTimeout(res, 50)); // the poll interval, not an assertion
      }
    })();
    try {
      await docker("start", c.name);
      await waitFor("3000 lines tailed", () => got.length >= 3000, { timeoutMs: 60_000, intervalMs: 50 });
      await waitFor(
        "the container to exit",
        async () => (await docker("inspect", "-f", "{{.State.Status}}", c.name)) === "exited",
      );
    } finally {
      polling = false;
      await loop;
    }
    got.push(...(await tailer.poll()).lines.map((l) => l.body));
    await tailer.close();
    expect(await docker("inspect", "-f", "{{.LogPath}}", c.name)).toBe(c.logPath);
    expect(existsSync(`${c.logPath}.2`)).toBe(true); // it did rotate (and dropped files)
    expect(errors).toBe(0);
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => `line ${String(i + 1).padStart(4, "0")}`));
  });

  it("JsonFileLogSource emits LogRecords with cursors, follows removal and resumes from a saved cursor", async () => {
    const script =
      'echo one; echo two >&2; awk "BEGIN{for(i=0;i<4000;i++) printf \\"%010d\\", i; print \\"\\"}"; echo three';
    const c = await createContainer(["--label", "app=demo", "--log-opt", "labels=app"], script);
    await docker("start", "-a", c.name);
    const info = await inspectInfo(c.name);
    expect(info.logPath).toBe(c.logPath);

    const inventory = new FakeInventory();
    const emitted: { records: FleetRecord[]; cursor: JsonFileCursor }[] = [];
    const ctx = (cursor: unknown) => ({
      host: "test-host",
      cursor,
      inventory,
      log: pino({ level: "silent" }),
      spooled: async () => {},
      emit: async (records: FleetRecord[], cur?: unknown) => {
        emitted.push({ records, cursor: cur as JsonFileCursor });
      },
    });
    const source = new JsonFileLogSource({ pollIntervalMs: 20 });
    await source.start(ctx(undefined));
    inventory.byId.set(info.id, info);
    inventory.emit("change", info); // the container shows up after start
    const logs = () => emitted.flatMap((e) => e.records) as LogRecord[];
    await waitFor("4 records", () => logs().length >= 4);

    const records = logs();
    // stdout and stderr are copied by separate goroutines: only the order within a stream is fixed.
    const long = Array.from({ length: 4000 }, (_, i) => String(i).padStart(10, "0")).join("");
    const bodies = (stream: string) => records.filter((r) => r.stream === stream).map((r) => r.body);
    expect(bodies("stdout").map((b) => (b === long ? "<the 40 000-char line>" : b))).toEqual([
      "one",
      "<the 40 000-char line>",
      "three",
    ]);
    expect(bodies("stderr")).toEqual(["two"]);
    const stderrRecord = records.find((r) => r.stream === "stderr");
    expect(stderrRecord).toMatchObject({
      kind: "log",
      source: "docker-json",
      stream: "stderr",
      host: "test-host",
      containerId: info.id,
      containerName: c.name,
      image: BUSYBOX,
      unit: "",
      identifier: "",
      pid: 0,
      severityNumber: 0,
      severityText: "",
      attributes: { app: "demo" },
    });
    expect(records[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
    // Records come out as their last piece is read: a long stdout line split around a stderr line
    // completes after it. Their seq (the first piece's offset) gives the file order back.
    const inFile = [...records].sort((a, b) => a.seq - b.seq);
    expect(inFile[0]?.seq).toBe(0);
    for (const stream of ["stdout", "stderr"]) {
      const seqs = records.filter((r) => r.stream === stream).map((r) => r.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const last = emitted.at(-1)?.cursor;
    expect(last?.[info.id]).toMatchObject({ offset: expect.any(Number), inode: expect.any(Number) });
    // Every emit hands over its own copy of the cursor.
    expect(new Set(emitted.map((e) => e.cursor)).size).toBe(emitted.length);

    // Resume from a cursor saved right after the first line (= where the second line starts).
    const saved: JsonFileCursor = {
      [info.id]: { inode: last?.[info.id]?.inode as number, offset: inFile[1]?.seq as number },
    };
    const skip = 1;

    inventory.byId.delete(info.id);
    inventory.emit("removed", { ...info, state: "removed" });
    await waitFor("the cursor entry to be dropped", () => emitted.at(-1)?.cursor[info.id] === undefined);
    await source.stop();

    const emitted2: FleetRecord[] = [];
    inventory.byId.set(info.id, info);
    const source2 = new JsonFileLogSource({ pollIntervalMs: 20 });
    await source2.start({ ...ctx(saved), emit: async (r) => void emitted2.push(...r) });
    await waitFor("the rest", () => emitted2.length >= 4 - skip);
    await source2.stop();
    const rest = (emitted2 as LogRecord[])
      .sort((a, b) => a.seq - b.seq)
      .map((r) => `${r.seq}:${r.body.length}`);
    expect(rest).toEqual(inFile.slice(skip).map((r) => `${r.seq}:${r.body.length}`));
  });

  it("emits a backlog 1 MiB at a time and stops between containers while the pacer holds", async () => {
    // Two finished containers of 30,000 lines each (~3.7 MiB of json-file apiece): both are
    // backlogged. One emit of both was one group of many spool batches, past the pacer.
    const script =
      'awk "BEGIN{for(i=0;i<30000;i++) printf \\"backlog %06d padding padding padding padding padding padding\\n\\", i}"';
    const a = await createContainer([], script);
    const b = await createContainer([], script);
    await docker("start", "-a", a.name);
    await docker("start", "-a", b.name);
    const inventory = new FakeInventory();
    for (const info of [await inspectInfo(a.name), await inspectInfo(b.name)])
      inventory.byId.set(info.id, info);
    const perLine = statSync(a.logPath).size / 30_000;

    // The pacer holds from the start; let go once, it holds again after the next emit.
    let held = true;
    let holdAfterEmit = false;
    let waitsAtEmit = 0;
    const { source, emits, pacer } = await pacedSource(
      inventory,
      () => held,
      (waits) => {
        if (holdAfterEmit) [held, holdAfterEmit, waitsAtEmit] = [true, false, waits];
      },
    );
    const containers = (e: LogRecord[] | undefined) => new Set(e?.map((r) => r.containerName));
    try {
      // Held, each is read once in a small way (64 KiB), then both count as behind.
      await waitFor("the quiet reads, then a wait", () => emits.length === 1 && pacer.waits === 1);
      expect(containers(emits[0])).toEqual(new Set([a.name, b.name]));
      expect((emits[0]?.length ?? 0) * perLine).toBeLessThan(2 * (64 * 1024 + perLine));

      holdAfterEmit = true;
      held = false;
      await waitFor("one read, then a wait again", () => emits.length === 2 && pacer.waits > waitsAtEmit);
      // That read is 1 MiB of one container; the other was not read past the pacer.
      expect(containers(emits[1]).size).toBe(1);
      expect(Math.abs((emits[1]?.length ?? 0) * perLine - 1024 * 1024)).toBeLessThan(2 * perLine);
      expect(emits).toHaveLength(2);

      held = false;
      await waitFor("both backlogs read", () => emits.flat().length === 60_000, { timeoutMs: 30_000 });
      for (const e of emits) expect(e.length * perLine).toBeLessThan(1024 * 1024 + 2 * perLine);
    } finally {
      await source.stop();
    }
  });

  it("reads a quiet container while the pacer holds a flood back, in emits of its own", async () => {
    // 30,000 lines of ~110 bytes: over one poll's 1 MiB, so the flood is left behind after a poll.
    const flood = await createContainer(
      [],
      'awk "BEGIN{for(i=0;i<30000;i++) printf \\"flood %06d padding padding padding padding padding padding\\n\\", i}"',
    );
    await docker("start", "-a", flood.name);
    const quiet = await createContainer(
      [],
      "while [ ! -f /tmp/go ]; do usleep 20000; done; echo quiet-marker; sleep 60",
    );
    await docker("start", quiet.name);
    const inventory = new FakeInventory();
    for (const info of [await inspectInfo(flood.name), await inspectInfo(quiet.name)])
      inventory.byId.set(info.id, info);

    // The pacer opens for the first read only, then holds (as while the aggregator falls behind).
    let pacer: "first read" | "held" | "open" = "first read";
    const { source, emits } = await pacedSource(
      inventory,
      () => pacer === "held",
      () => {
        if (pacer === "first read") pacer = "held";
      },
    );
    try {
      const floodLines = () => emits.flat().filter((r) => r.containerName === flood.name).length;
      await waitFor("the flood's first read", () => floodLines() > 0);
      const before = floodLines();
      expect(before).toBeLessThan(30_000);
      await docker("exec", quiet.name, "touch", "/tmp/go");
      await waitFor("the quiet line read while the flood is held", () =>
        emits.some((e) => e.some((r) => r.body === "quiet-marker")),
      );
      // Read on its own: no flood line rode along, and the flood is still held where it was.
      const withMarker = emits.find((e) => e.some((r) => r.body === "quiet-marker")) ?? [];
      expect(withMarker.every((r) => r.containerName === quiet.name)).toBe(true);
      expect(floodLines()).toBe(before);
      // Let go, the flood is read to its end.
      pacer = "open";
      await waitFor("the whole flood read", () => floodLines() === 30_000, { timeoutMs: 30_000 });
    } finally {
      await source.stop();
    }
  });
});
