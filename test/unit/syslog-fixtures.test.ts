// The parsers on bytes captured from Docker's real syslog driver (test/fixtures/syslog/SOURCE.md).
import { describe, expect, it } from "vitest";
import { ContainerTags } from "../../collector/receivers/syslog/container-tag.ts";
import { parseSyslog, type SyslogMessage } from "../../collector/receivers/syslog/message.ts";
import { toLogRecord } from "../../collector/receivers/syslog/to-record.ts";
import { CAPTURES, type Capture, FakeInventory, framesOf } from "./syslog-support.ts";

const NOW = new Date("2026-11-22T05:00:00Z");
const X = "x".repeat(17000);
/** What the capture script's container printed, in its order per stream (the empty line is not sent). */
const STDOUT = [
  "fixture stdout 1",
  "utf8 héllo ✓ tab\tend",
  "nul \0 byte",
  X.slice(0, 16384),
  X.slice(16384),
  "fixture stdout 2",
];
const STDERR = ["fixture stderr 1", "bad utf8 \uFFFD\uFFFD end"];

function parsed(c: Capture): SyslogMessage[] {
  return framesOf(c).map((f) => {
    const r = parseSyslog(f.bytes.toString("utf8"), NOW);
    if (!r.ok) throw new Error(`${c.file}: ${r.reason}`);
    return r.message;
  });
}

function expectedTag(c: Capture): string {
  const opt = c.logOpts.find((o) => o.startsWith("tag="));
  if (!opt) return c.containerId.slice(0, 12); // Docker's default tag
  return opt
    .slice(4)
    .replace("{{.ImageName}}", c.image)
    .replace("{{.Name}}", c.containerName)
    .replace("{{.ID}}", c.containerId.slice(0, 12));
}

describe.each(CAPTURES)("Docker syslog driver, $file", (c) => {
  const messages = parsed(c);

  it("parses every message with the format, facility and tag Docker sent", () => {
    expect(messages).toHaveLength(STDOUT.length + STDERR.length);
    const format = c.format.startsWith("rfc5424") ? "rfc5424" : "rfc3164";
    const facility = c.logOpts.includes("syslog-facility=local3") ? 19 : 3; // Docker's default: daemon
    for (const m of messages) {
      expect(m).toMatchObject({ format, facility, appName: expectedTag(c) });
      expect(m.procId).toMatch(/^\d+$/); // dockerd's pid
      expect(m.hostname).toBe(c.format === "" ? "" : "vm"); // the default format sends no HOSTNAME
      if (format === "rfc5424") expect(m.msgId).toBe(expectedTag(c));
    }
  });

  it("sends stdout with severity info and stderr with err, each stream in order", () => {
    const body = (sev: number) => messages.filter((m) => m.severity === sev).map((m) => m.message);
    expect(body(6)).toEqual(STDOUT);
    expect(body(3)).toEqual(STDERR);
  });

  it("has timestamps at the precision of the format", () => {
    const precision =
      c.format === "rfc5424micro"
        ? /\.\d{6}000Z$/
        : c.format === "rfc5424"
          ? /\.000000000Z$/
          : /:\d\d\.000Z$/;
    for (const m of messages) {
      expect(m.time).toMatch(precision);
      expect(Math.abs(Date.parse(m.time as string) - NOW.getTime())).toBeLessThan(365 * 86_400_000);
    }
  });

  it("maps each line to its container, stream and unknown severity", () => {
    const inventory = new FakeInventory([{ id: c.containerId, name: c.containerName, image: c.image }]);
    const tags = new ContainerTags(inventory);
    const records = messages.map((m, seq) =>
      toLogRecord(
        { message: m, truncated: false, invalidUtf8: m.message.includes("\uFFFD") },
        tags.lookup(m.appName),
        {
          host: "h",
          maxLineBytes: 1 << 20,
          receivedAt: NOW,
          seq,
        },
      ),
    );
    for (const r of records) {
      expect(r).toMatchObject({
        containerId: c.containerId,
        containerName: c.containerName,
        source: "syslog",
      });
      expect([r.severityNumber, r.severityText, r.pid]).toEqual([0, "", 0]);
    }
    expect(records.filter((r) => r.stream === "stdout").map((r) => r.body)).toEqual(STDOUT);
    expect(records.filter((r) => r.stream === "stderr").map((r) => r.body)).toEqual(STDERR);
    const bad = records.find((r) => r.body.startsWith("bad utf8"));
    expect(bad?.attributes["syslog.invalid_utf8"]).toBe("true");
    expect(bad?.attributes["syslog.severity"]).toBe("err");
  });
});

describe("container identity from the tag when the inventory does not know the container yet", () => {
  const byFile = (f: string) => CAPTURES.find((c) => c.file === f) as Capture;
  const tags = new ContainerTags(new FakeInventory());

  it("takes Docker's default tag for a short id", () => {
    const c = byFile("udp-rfc3164");
    expect(tags.lookup(parsed(c)[0]?.appName ?? "")).toEqual({
      containerId: c.containerId.slice(0, 12),
      containerName: "",
      image: "",
    });
  });

  it("reads image, name and id from {{.ImageName}}/{{.Name}}/{{.ID}}", () => {
    const c = byFile("udp-rfc5424micro");
    expect(tags.lookup(parsed(c)[0]?.appName ?? "")).toEqual({
      containerId: c.containerId.slice(0, 12),
      containerName: c.containerName,
      image: c.image,
    });
  });

  it("cannot tell a bare {{.Name}} from any other program's tag", () => {
    expect(tags.lookup(parsed(byFile("udp-rfc5424"))[0]?.appName ?? "")).toBeUndefined();
  });
});
