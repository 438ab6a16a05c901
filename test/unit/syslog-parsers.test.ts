import { describe, expect, it } from "vitest";
import { parseSyslog, type SyslogMessage } from "../../collector/receivers/syslog/message.ts";
import { otelSeverity, parsePriority } from "../../collector/receivers/syslog/priority.ts";
import { parseRfc3164Stamp, parseRfc5424Time } from "../../collector/receivers/syslog/timestamp.ts";
import { toLogRecord } from "../../collector/receivers/syslog/to-record.ts";

const NOW = new Date(2026, 10, 22, 5, 0, 0); // local time, as RFC 3164 stamps are read
const ok = (text: string): SyslogMessage => {
  const r = parseSyslog(text, NOW);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
};
const reason = (text: string) => {
  const r = parseSyslog(text, NOW);
  return r.ok ? "parsed" : r.reason;
};

describe("PRI", () => {
  it("splits facility and severity, and rejects what is not <0>…<191>", () => {
    expect(parsePriority("<0>x")).toEqual({ facility: 0, severity: 0, end: 3 });
    expect(parsePriority("<191>")).toEqual({ facility: 23, severity: 7, end: 5 });
    for (const bad of ["<192>", "<01>", "<>", "30>", "<1000>", "", "< 3>"])
      expect(parsePriority(bad)).toBeUndefined();
  });

  it("maps severities to OpenTelemetry as the journal does", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((s) => otelSeverity(s).number)).toEqual([
      23, 22, 21, 17, 13, 10, 9, 5,
    ]);
    expect([0, 3, 4, 5, 7].map((s) => otelSeverity(s).text)).toEqual([
      "FATAL",
      "ERROR",
      "WARN",
      "INFO",
      "DEBUG",
    ]);
  });
});

describe("RFC 3164", () => {
  it("reads stamp, host, tag and pid", () => {
    expect(ok("<34>Oct 11 22:14:15 mymachine su[42]: 'su root' failed")).toMatchObject({
      format: "rfc3164",
      facility: 4,
      severity: 2,
      time: new Date(2026, 9, 11, 22, 14, 15).toISOString(),
      hostname: "mymachine",
      appName: "su",
      procId: "42",
      message: "'su root' failed",
    });
  });

  it("reads Docker's default format, which has no hostname, and tags with : and /", () => {
    expect(ok("<30>Nov  2 04:57:27 c6c12d9df233[22540]: hi")).toMatchObject({
      hostname: "",
      appName: "c6c12d9df233",
      message: "hi",
    });
    expect(ok("<30>Nov 22 04:57:27 vm busybox:1/web/abc[7]: a: b")).toMatchObject({
      hostname: "vm",
      appName: "busybox:1/web/abc",
      message: "a: b",
    });
  });

  it("takes anything after the PRI as text when it does not fit", () => {
    expect(ok("<13>just text")).toMatchObject({
      time: undefined,
      hostname: "",
      appName: "",
      message: "just text",
    });
    expect(ok("<13>")).toMatchObject({ message: "" });
    expect(ok("<13>Feb 30 10:00:00 host t: x")).toMatchObject({ time: undefined });
  });

  it("accepts an RFC 3339 stamp (rsyslog's forward format)", () => {
    expect(ok("<13>2026-11-22T04:00:00.5+01:00 h app: m")).toMatchObject({
      time: "2026-11-22T03:00:00.500000000Z",
      hostname: "h",
      appName: "app",
    });
  });

  it("puts a stamp without a year in the year nearest to now", () => {
    expect(parseRfc3164Stamp("Dec 31 23:59:59", new Date(2027, 0, 1, 0, 0, 5))).toBe(
      new Date(2026, 11, 31, 23, 59, 59).toISOString(),
    );
    expect(parseRfc3164Stamp("Jan  1 00:00:01", new Date(2026, 11, 31, 23, 59, 0))).toBe(
      new Date(2027, 0, 1, 0, 0, 1).toISOString(),
    );
    expect(parseRfc3164Stamp("Nov 22 25:00:00", NOW)).toBeUndefined();
  });
});

describe("RFC 5424", () => {
  it("reads the header, structured data with escapes, and drops the BOM", () => {
    const m = ok(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\\"ica\\]tion"][meta x="\\\\"] \uFEFFAn application event',
    );
    expect(m).toMatchObject({
      format: "rfc5424",
      facility: 20,
      severity: 5,
      time: "2003-10-11T22:14:15.003000000Z",
      hostname: "mymachine.example.com",
      appName: "evntslog",
      procId: "",
      msgId: "ID47",
      message: "An application event",
    });
    expect(m.structuredData).toEqual({
      "exampleSDID@32473.iut": "3",
      "exampleSDID@32473.eventSource": 'Appl"ica]tion',
      "meta.x": "\\",
    });
  });

  it("accepts nil fields and no MSG", () => {
    expect(ok("<14>1 - - - - - -")).toMatchObject({
      time: undefined,
      hostname: "",
      appName: "",
      message: "",
    });
  });

  it("rejects a broken header or structured data with a reason a person can act on", () => {
    expect(reason("<14>1 2026-11-22T00:00:00Z host ")).toMatch(/bad or missing APP-NAME/);
    expect(reason("<14>1 - - - - - [x a=b]")).toMatch(/STRUCTURED-DATA: bad SD-PARAM/);
    expect(reason('<14>1 - - - - - [x a="b')).toMatch(/unterminated/);
    expect(reason("<14>1 - - - - - x")).toMatch(/expected - or \[/);
    expect(reason("<14>1 - - - - - -x")).toMatch(/STRUCTURED-DATA/);
    expect(reason("no pri")).toMatch(/no <PRI>/);
  });

  it("reads RFC 3339 timestamps with offsets and up to nanoseconds, and passes impossible ones on as they came", () => {
    expect(parseRfc5424Time("2026-11-22T04:57:34.223412Z")).toBe("2026-11-22T04:57:34.223412000Z");
    expect(parseRfc5424Time("2026-11-22T00:30:00-01:30")).toBe("2026-11-22T02:00:00.000000000Z");
    for (const bad of ["2026-11-22 00:00:00Z", "2026-11-22T00:00:00"])
      expect(parseRfc5424Time(bad)).toBeUndefined();
    // The pipeline gives such a record its received time and keeps this one in time.original.
    for (const impossible of [
      "2026-02-30T00:00:00Z",
      "1969-12-31T23:59:59Z",
      "2026-01-01T25:00:00+01:00",
      "2300-01-01T00:00:00.5+01:00",
    ])
      expect(parseRfc5424Time(impossible)).toBe(impossible);
  });
});

describe("records of senders other than containers", () => {
  it("map severity, keep facility and structured data as attributes, and cut long lines with a marker", () => {
    const m = ok(`<11>1 2026-11-22T04:00:00Z h app 42 - [a b="c"] ${"é".repeat(100)}`);
    const r = toLogRecord({ message: m, truncated: false, invalidUtf8: false }, undefined, {
      host: "n",
      maxLineBytes: 60,
      receivedAt: NOW,
      seq: 7,
    });
    expect(r).toMatchObject({
      severityNumber: 17,
      severityText: "ERROR",
      stream: "",
      pid: 42,
      identifier: "app",
      containerId: "",
      seq: 7,
    });
    expect(r.attributes).toMatchObject({
      "syslog.facility": "user",
      "syslog.severity": "err",
      "syslog.sd.a.b": "c",
      "fleetscope.truncated": "true",
    });
    expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(60);
    expect(r.body).toMatch(/^é+…\[truncated by fleetscope\]$/);
  });

  it("mark a line the framer cut even when what is left fits", () => {
    const r = toLogRecord({ message: ok("<14>short"), truncated: true, invalidUtf8: false }, undefined, {
      host: "n",
      maxLineBytes: 1000,
      receivedAt: NOW,
      seq: 0,
    });
    expect(r.body).toBe("short…[truncated by fleetscope]");
    expect(r.time).toBe(NOW.toISOString());
  });
});
