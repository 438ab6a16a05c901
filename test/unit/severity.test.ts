import { describe, expect, it } from "vitest";
import { enrichLog } from "../../collector/processors/enrich.ts";
import { severityFromLevel, severityFromText } from "../../collector/processors/severity.ts";
import { fixtureText, producerLine, producerRecords } from "../helpers/producer-lines.ts";

/** The lines of a coloured terminal capture (test/fixtures/log-lines/tty/), without their `\r`. */
const ttyLines = (name: string) =>
  fixtureText(`tty/${name}`)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");

const enriched = (prefix: string) => {
  const r = producerLine(prefix);
  enrichLog(r, { maxLineBytes: 256 * 1024 });
  return [r.severityNumber, r.severityText];
};

describe("severity from the line (real json-file lines of a busybox container)", () => {
  it.each([
    ["level=error", 17, "ERROR"],
    ['{"level":"warn"', 13, "WARN"],
    ['{"level":30', 9, "INFO"], // pino's numeric levels
    ["2026-11-22 02:22:03,123 ERROR", 17, "ERROR"],
    ["[WARN]", 13, "WARN"],
    ["W1122", 13, "WARN"], // klog
    ["E1122", 17, "ERROR"],
    ["time=2026-11-22T02:22:03Z lvl=dbug", 5, "DEBUG"],
    ["INFO server", 9, "INFO"],
    ["error: could not", 17, "ERROR"],
    ["Exception in thread", 17, "ERROR"],
    ["Traceback", 17, "ERROR"],
    ["panic: runtime error", 21, "FATAL"],
  ])("%s → %i %s", (prefix, number, text) => {
    expect(enriched(prefix)).toEqual([number, text]);
  });

  it("leaves a stderr line without a level word unknown: the stream is not a level", () => {
    const r = producerLine("plain line on stderr");
    expect(r.stream).toBe("stderr");
    enrichLog(r, { maxLineBytes: 1024 });
    expect([r.severityNumber, r.severityText]).toEqual([0, ""]);
  });

  it("does not take a level word in the middle of prose", () => {
    expect(enriched("no error found")).toEqual([0, ""]);
    expect(severityFromText("request served in 12ms by worker 3: 0 ERROR responses so far")).toBeUndefined();
  });

  it("keeps a severity the protocol gave (journald PRIORITY, syslog)", () => {
    const r = producerLine("level=error");
    r.severityNumber = 10;
    r.severityText = "INFO";
    enrichLog(r, { maxLineBytes: 1024 });
    expect([r.severityNumber, r.severityText]).toEqual([10, "INFO"]);
  });

  it("finds a level in every fixture line that states one, and only there", () => {
    const records = producerRecords();
    for (const r of records) enrichLog(r, { maxLineBytes: 1024 });
    const unknown = records.filter((r) => r.severityNumber === 0).map((r) => r.body);
    // Trace continuation lines say nothing about a level on their own (join them: --multiline auto).
    expect(unknown.filter((b) => !/^(\s|Caused by|\t|$)/.test(b))).toEqual([
      "plain line on stderr",
      "no error found in 3 files",
      "ctl a\u0000b\u0001c\u001b[31mred\u001b[0m \ufffd\ufffd end",
      "goroutine 1 [running]:",
      "main.lookup(...)",
      "main.main()",
      "[eval]:1",
      'function f(){ throw new TypeError("bad thing") } f()',
      "Node.js v20.20.2",
      "after-traces",
    ]);
  });

  it("maps level words and numbers, and refuses what is not one", () => {
    expect(severityFromLevel("WARNING")).toEqual({ number: 13, text: "WARN" });
    expect(severityFromLevel("crit")).toEqual({ number: 21, text: "FATAL" });
    expect(severityFromLevel(50)).toEqual({ number: 17, text: "ERROR" });
    expect(severityFromLevel("3")).toBeUndefined();
    expect(severityFromLevel("verbose-ish")).toBeUndefined();
    expect(severityFromLevel({})).toBeUndefined();
  });

  it("reads brackets of any case and rustc-style headers", () => {
    expect(severityFromText("2026/11/22 <Error> reading config")?.text).toBe("ERROR");
    expect(severityFromText("error[E0425]: cannot find value `x`")?.text).toBe("ERROR");
    expect(severityFromText("12:00:01 (debug) cache warm")?.text).toBe("DEBUG");
    expect(severityFromText("fatal error: concurrent map writes")?.text).toBe("FATAL");
  });
});

describe("severity of coloured lines (real terminal output: the level word wrapped in escape codes)", () => {
  it("reads logrus's coloured level (runc): ESC[31mERRO ESC[0m[0000] …", () => {
    const lines = ttyLines("runc-logrus.txt");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.startsWith("\u001b[31mERRO\u001b[0m[0000]")).toBe(true);
      expect(severityFromText(line)).toEqual({ number: 17, text: "ERROR" });
    }
  });

  it("reads rich's coloured level column after its dimmed time column", () => {
    const [warning, error] = ttyLines("python-rich-logging.txt");
    expect(warning).toContain("\u001b[31mWARNING \u001b[0m");
    expect(severityFromText(warning as string)).toEqual({ number: 13, text: "WARN" });
    expect(severityFromText(error as string)).toEqual({ number: 17, text: "ERROR" });
  });

  it("reads a coloured exception line (Python 3.13's traceback)", () => {
    const last = ttyLines("python313-trace.txt").at(-1) as string;
    expect(last.startsWith("\u001b[1;35mValueError\u001b[0m: ")).toBe(true);
    expect(severityFromText(last)).toEqual({ number: 17, text: "ERROR" });
  });

  it("still finds nothing in a coloured line without a level word", () => {
    expect(severityFromText("\u001b[32mready\u001b[0m in 12 ms")).toBeUndefined();
  });
});
