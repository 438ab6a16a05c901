// The journal reader across boots, on a journal written by the real systemd-journal-remote with
// entries of an earlier boot and of this one: `journalctl --follow` (252) shows only the current
// boot unless --merge, so a reader that only follows would skip what came before the last reboot —
// the lines that tell why a node went down — on a first start, and after a reboot the end of the
// previous boot past the saved cursor.
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JournalReader } from "../../collector/sources/journald/journal-reader.ts";
import { appendHostJournal, type HostJournal, writeHostJournal } from "../helpers/host-journal.ts";
import { tempDir } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const log = pino({ level: process.env.FLEETSCOPE_TEST_LOG ?? "silent" });
const HOST = "boots-host";
const entry = (message: string, earlierBoot: boolean) => ({
  message,
  identifier: "fs-boots",
  priority: 6,
  earlierBoot,
});

describe("the journal reader reads every boot, then follows", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let journal: HostJournal;
  const readers: JournalReader[] = [];

  beforeAll(async () => {
    dir = await tempDir("journal-boots");
    journal = await writeHostJournal(dir.path, HOST, [
      entry("earlier boot 1", true),
      entry("earlier boot 2", true),
      entry("earlier boot 3: the last words before the reboot", true),
      entry("this boot 1", false),
      entry("this boot 2", false),
    ]);
  });
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.stop()));
  });
  afterAll(() => dir?.remove());

  /** Takes what `reader` has queued (readBatch would wait for more). */
  async function drain(reader: JournalReader, into: { message: string; cursor: string }[]) {
    if (reader.queued === 0) return;
    for (const e of (await reader.readBatch(100, 0)) ?? [])
      into.push({ message: String(e.MESSAGE), cursor: String(e.__CURSOR) });
  }

  /** A reader of the test journal; resolves once it has read `n` entries, with their messages and cursors. */
  async function read(n: number, cursor?: string) {
    const reader = new JournalReader({
      log,
      cursor,
      extraArgs: [`--directory=${journal.journalDir}`],
      restartMinMs: 50,
    });
    readers.push(reader);
    reader.start();
    const got: { message: string; cursor: string }[] = [];
    await waitFor(
      `${n} journal entries`,
      async () => {
        await drain(reader, got);
        return got.length >= n;
      },
      { timeoutMs: 15_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; read only: ${got.map((e) => e.message).join(" | ")}`);
    });
    return { reader, got };
  }

  it("on a first start, reads the earlier boot's entries too", async () => {
    const { got } = await read(5);
    expect(got.map((e) => e.message)).toEqual([
      "earlier boot 1",
      "earlier boot 2",
      "earlier boot 3: the last words before the reboot",
      "this boot 1",
      "this boot 2",
    ]);
  });

  it("resumed from a cursor in the earlier boot, reads the rest of it, then this boot's", async () => {
    const first = await read(5);
    const cursor = first.got[0]?.cursor as string;
    await Promise.all(readers.splice(0).map((r) => r.stop()));
    const { got } = await read(4, cursor);
    expect(got.map((e) => e.message)).toEqual([
      "earlier boot 2",
      "earlier boot 3: the last words before the reboot",
      "this boot 1",
      "this boot 2",
    ]);
  });

  it("then follows: an entry written afterwards arrives, and nothing twice", async () => {
    const { reader, got } = await read(5);
    await appendHostJournal(journal, HOST, [entry("written while following", false)]);
    await waitFor("the new entry", async () => {
      await drain(reader, got);
      return got.length >= 6;
    });
    expect(got.map((e) => e.message).slice(3)).toEqual([
      "this boot 1",
      "this boot 2",
      "written while following",
    ]);
    expect(new Set(got.map((e) => e.cursor)).size).toBe(got.length);
  });
});
