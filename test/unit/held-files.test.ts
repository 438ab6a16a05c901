import { readdirSync, readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { defaultFdLimit, FdBudget, HeldFiles } from "../../collector/proc/held-files.ts";

// Real kernel files of this test process: /proc/self/* is printed anew on every read at offset 0.
const STATUS = `/proc/${process.pid}/status`;
const threadsOf = (text: string | undefined) => Number(/^Threads:\s+(\d+)$/m.exec(text ?? "")?.[1]);
const openFds = () => readdirSync(`/proc/${process.pid}/fd`).length;

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

describe("HeldFiles", () => {
  it("re-reads a held /proc file from offset 0: a thread started since shows", async () => {
    const files = new HeldFiles(new FdBudget(10));
    const before = threadsOf(files.read(STATUS));
    expect(files.held).toBe(1);
    const worker = new Worker("setInterval(() => {}, 1e9)", { eval: true });
    workers.push(worker);
    await new Promise((resolve) => worker.once("online", resolve));
    // The same descriptor (still one held), the current text.
    const after = threadsOf(files.read(STATUS));
    expect(files.held).toBe(1);
    expect(after).toBe(threadsOf(readFileSync(STATUS, "utf8")));
    expect(after).toBeGreaterThan(before);
    files.close();
  });

  it("reads a file larger than a seq_file page whole, through several reads", () => {
    const files = new HeldFiles(new FdBudget(10));
    // Every mapping of this process: far more than 4 KiB, handed out a page at a time.
    const text = files.read(`/proc/${process.pid}/maps`);
    expect(text?.length).toBeGreaterThan(8 * 1024);
    // Past the first page, whole lines to the end: a cut read would stop near 4 KiB or mid-line.
    expect(text?.endsWith("\n")).toBe(true);
    for (const line of text?.trimEnd().split("\n") ?? []) expect(line).toMatch(/^[0-9a-f]+-[0-9a-f]+ /);
    files.close();
  });

  it("reads a missing file as absent without holding anything", () => {
    const files = new HeldFiles(new FdBudget(10));
    expect(files.read("/proc/self/no-such-file")).toBeUndefined();
    expect(files.read("/sys/fs/cgroup/no-such-dir/memory.stat")).toBeUndefined();
    expect(files.held).toBe(0);
    expect(files.gone).toBe(false);
  });

  it("holds no more than its budget; past it files are still read, then closed", () => {
    const budget = new FdBudget(2);
    const files = new HeldFiles(budget);
    const fds0 = openFds();
    const paths = ["status", "stat", "io", "limits"].map((f) => `/proc/${process.pid}/${f}`);
    for (const p of paths) expect(files.read(p)?.length).toBeGreaterThan(0);
    // The last one, past the budget: read the plain way, the same text.
    expect(files.read(paths[3] as string)).toBe(readFileSync(paths[3] as string, "utf8"));
    expect(files.held).toBe(2);
    expect(budget.used).toBe(2);
    expect(openFds()).toBe(fds0 + 2);
    expect(threadsOf(files.read(paths[0] as string))).toBeGreaterThan(0);
    files.close();
    expect(budget.used).toBe(0);
    expect(openFds()).toBe(fds0);
  });

  it("closes on retain() the files not read since the last retain()", () => {
    const budget = new FdBudget(10);
    const files = new HeldFiles(budget);
    const fds0 = openFds();
    files.read(`/proc/${process.pid}/status`);
    files.read(`/proc/${process.pid}/stat`);
    files.retain();
    files.read(`/proc/${process.pid}/stat`); // status no longer read: its process "went away"
    files.retain();
    expect(files.held).toBe(1);
    expect(budget.used).toBe(1);
    expect(openFds()).toBe(fds0 + 1);
    files.close();
    expect(openFds()).toBe(fds0);
  });

  it("takes half the soft limit on open files as the budget", () => {
    const limits =
      "Limit Soft Limit Hard Limit Units\nMax open files            20000                524288               files\n";
    expect(defaultFdLimit(limits)).toBe(10000);
    expect(defaultFdLimit("Max open files            unlimited            unlimited            files")).toBe(
      524288,
    );
    expect(defaultFdLimit("")).toBe(512);
  });
});
