import { describe, expect, it } from "vitest";
import { MAX_COUNT_FACTOR, SyslogFramer } from "../../collector/receivers/syslog/framer.ts";

const b = (s: string) => Buffer.from(s, "latin1");
const texts = (f: { bytes: Buffer }[]) => f.map((x) => x.bytes.toString("latin1"));
const octet = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

/** Feeds `input` in pieces of `size` bytes; returns the frames' text and truncation flags. */
function frame(input: string, size: number, max = 100) {
  const framer = new SyslogFramer(max);
  const out = [];
  for (let i = 0; i < input.length; i += size) out.push(...framer.push(b(input.slice(i, i + size))).frames);
  out.push(...framer.end().frames);
  return { texts: texts(out), truncated: out.map((f) => f.truncated) };
}

describe("syslog TCP framing", () => {
  it("splits lines, dropping \\n or \\r\\n and blank lines", () => {
    for (const size of [1, 3, 1000])
      expect(frame("<1>a\n<2>b\r\n\n<3>c\n", size).texts).toEqual(["<1>a", "<2>b", "<3>c"]);
  });

  it("reads octet-counted frames, newline inside the count included (as Docker sends over TLS)", () => {
    const input = octet("<30>1 - - - - - - one\n") + octet("<30>1 - - - - - - two\nstill two\n");
    for (const size of [1, 2, 7, 1000])
      expect(frame(input, size).texts).toEqual(["<30>1 - - - - - - one", "<30>1 - - - - - - two\nstill two"]);
  });

  it("detects the framing per frame", () => {
    expect(frame(`<1>line\n${octet("<2>counted")}<3>line again\n`, 5).texts).toEqual([
      "<1>line",
      "<2>counted",
      "<3>line again",
    ]);
  });

  it("takes digits not followed by a space and `<` for a line", () => {
    expect(frame("2026 was a year\n12 x\n", 4).texts).toEqual(["2026 was a year", "12 x"]);
  });

  it("keeps a last line that has no newline when the peer closes", () => {
    expect(frame("<1>a\n<2>no newline", 4).texts).toEqual(["<1>a", "<2>no newline"]);
  });

  it("cuts a line longer than the maximum, keeps its head, skips its rest and goes on", () => {
    const r = frame(`<1>${"x".repeat(500)}\n<2>ok\n`, 64, 100);
    expect(r.texts).toEqual([`<1>${"x".repeat(97)}`, "<2>ok"]);
    expect(r.truncated).toEqual([true, false]);
  });

  it("cuts an octet-counted frame over the maximum without buffering the rest", () => {
    const framer = new SyslogFramer(100);
    const out = framer.push(b(`1000 <1>${"y".repeat(200)}`));
    expect(framer.buffered).toBeLessThanOrEqual(102);
    out.frames.push(...framer.push(b(`${"y".repeat(797)}<2>ok\n`)).frames);
    expect(texts(out.frames)).toEqual([`<1>${"y".repeat(97)}`, "<2>ok"]);
    expect(out.frames[0]?.truncated).toBe(true);
  });

  it("keeps a frame of exactly the maximum whole", () => {
    const msg = `<1>${"z".repeat(97)}`;
    expect(frame(`${octet(`${msg}\n`)}${msg}\n`, 10, 100)).toEqual({
      texts: [msg, msg],
      truncated: [false, false],
    });
  });

  it("gives up on an octet count too large to be a message", () => {
    const framer = new SyslogFramer(100);
    const out = framer.push(b(`${100 * MAX_COUNT_FACTOR + 1} <1>x`));
    expect(out.fatal).toMatch(/octet count 1601 exceeds/);
    expect(framer.buffered).toBe(0);
  });

  it("reports an octet-counted frame cut by the end of the connection", () => {
    const framer = new SyslogFramer(100);
    framer.push(b("50 <1>short"));
    expect(framer.end()).toEqual({ frames: [], incomplete: true });
  });
});
