import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  decodeField,
  type JournalEntry,
  journalEntryToLogRecord,
  journalSeq,
  realtimeToRfc3339,
} from "../../collector/sources/journald/journal-entry.ts";
import type { LogRecord } from "../../protocol/records.ts";
import { priorityToSeverity } from "../../protocol/severity.ts";

// Fixtures are real `journalctl -o json --all` output from this project's hosts: see
// test/fixtures/journald/SOURCE.md.
function fixture(name: string): JournalEntry[] {
  const text = readFileSync(new URL(`../fixtures/journald/${name}`, import.meta.url), "utf8");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JournalEntry);
}

function one(name: string): JournalEntry {
  const [e] = fixture(name);
  if (!e) throw new Error(`empty fixture ${name}`);
  return e;
}

const HOST = "node-1";

describe("journalEntryToLogRecord", () => {
  it("maps a systemd-cat line at priority err", () => {
    const r = journalEntryToLogRecord(one("systemd-cat-err.jsonl"), HOST);
    expect(r).toEqual({
      kind: "log",
      time: "2026-11-22T02:22:14.852584000Z",
      host: HOST,
      containerId: "",
      containerName: "",
      image: "",
      source: "journald",
      stream: "",
      unit: "",
      identifier: "fs-fixture",
      pid: 6918,
      severityNumber: 17,
      severityText: "ERROR",
      body: "fs-fixture error line from systemd-cat",
      attributes: {
        "journal.cursor":
          "s=08d2bee7626c47ba9a4d04d304bdf63b;i=1d1;b=806791ddd373410097486b7fd7c9884a;m=113e4264;t=660d42544a3e8;x=fef201aa5bac32c0",
        "journal.boot_id": "806791ddd373410097486b7fd7c9884a",
        "journal.machine_id": "3d1219c7c4c5404aaa1f6d2a48adfda4",
        "journal.hostname": "vm",
        "journal.transport": "stdout",
        "journal.uid": "0",
        "journal.gid": "0",
        "journal.priority": "3",
      },
      seq: 0x1d1,
    });
  });

  it("decodes a non-UTF-8 MESSAGE byte array with replacement characters", () => {
    const e = one("logger-binary-message.jsonl");
    expect(Array.isArray(e.MESSAGE)).toBe(true);
    const r = journalEntryToLogRecord(e, HOST);
    expect(r.body).toBe("fs-fixture-binary \uFFFD\uFFFD café \uFFFD( end");
    expect(r.attributes["journal.message_binary"]).toBe("true");
    expect(r.identifier).toBe("fs-fixture-bin");
    expect([r.severityNumber, r.severityText]).toEqual([13, "WARN"]);
    expect(r.attributes["journal.transport"]).toBe("journal");
    // journald reads _EXE/_CMDLINE from /proc: a short-lived logger may be gone by then.
    expect(r.attributes["journal.comm"]).toBe("logger");
    expect(r.attributes["journal.exe"]).toBeUndefined();
  });

  it("decodes a byte array that is valid UTF-8 (control characters) without the binary flag", () => {
    const e = one("logger-control-chars.jsonl");
    expect(Array.isArray(e.MESSAGE)).toBe(true);
    const r = journalEntryToLogRecord(e, HOST);
    expect(r.body).toBe("fs-fixture \u001b[31mred\u001b[0m café");
    expect(r.attributes["journal.message_binary"]).toBeUndefined();
  });

  it("maps Docker's journald driver fields to container identity and stream", () => {
    const records = fixture("docker-journald-driver.jsonl").map((e) => journalEntryToLogRecord(e, HOST));
    expect(records.map((r) => [r.stream, r.body])).toEqual([
      ["stdout", "fs-fixture container stdout one"],
      ["stdout", "fs-fixture container stdout two"],
      ["stderr", "fs-fixture container stderr one"],
    ]);
    for (const r of records) {
      expect(r.containerId).toBe("e1aff06878bcb260a413311f5c9e03f1a0bda6df75b6608f77bcacea115ec10a");
      expect(r.containerName).toBe("fs-fixture-journald");
      expect(r.image).toBe("busybox:fleetscope");
      expect(r.identifier).toBe("e1aff06878bc");
      expect(r.attributes["journal.container_tag"]).toBe("e1aff06878bc");
      // PRIORITY encodes the stream there, not a severity; _PID is dockerd's.
      expect([r.severityNumber, r.severityText]).toEqual([0, ""]);
      expect(r.pid).toBe(0);
      expect(r.attributes["journal.pid"]).toBe("3097");
      expect(r.attributes["journal.comm"]).toBe("dockerd");
    }
    expect(records.map((r) => r.seq)).toEqual([0x1dd, 0x1de, 0x1df]);
  });

  it("uses UNIT when the writer's unit is unknown, and the writer's _SYSTEMD_UNIT over a client's UNIT", () => {
    const e = one("logger-unit-field.jsonl");
    expect(journalEntryToLogRecord(e, HOST).unit).toBe("fs-fixture.service");
    // A process of cron.service cannot speak for another unit: only PID 1 (and root's
    // OBJECT_/COREDUMP_ fields) can, as `journalctl -u` has it.
    const cron = journalEntryToLogRecord({ ...e, _SYSTEMD_UNIT: "cron.service" }, HOST);
    expect(cron.unit).toBe("cron.service");
    expect(cron.attributes["journal.systemd_unit"]).toBe("cron.service");
  });

  describe("maps units the way `journalctl -u` matches them", () => {
    // One failure of fs-fixture-pay.service as journald stamped it (test/fixtures/journald/SOURCE.md).
    const [own, mainExited, failed, coredump, object] = fixture("unit-failure.jsonl").map((e) =>
      journalEntryToLogRecord(e, HOST),
    ) as LogRecord[];

    it("gives every entry about the unit that unit, whoever wrote it", () => {
      for (const r of [own, mainExited, failed, coredump, object])
        expect([r?.body, r?.unit]).toEqual([r?.body, "fs-fixture-pay.service"]);
    });

    it("keeps the writer's unit apart: systemd's own lines come from init.scope", () => {
      expect(mainExited?.attributes["journal.systemd_unit"]).toBe("init.scope");
      expect(failed?.attributes["journal.systemd_unit"]).toBe("init.scope");
      expect(coredump?.attributes["journal.systemd_unit"]).toBe("systemd-coredump@0-4242-0.service");
      expect(object?.attributes["journal.systemd_unit"]).toBe("fs-fixture-watch.service");
      expect(own?.attributes["journal.systemd_unit"]).toBe("fs-fixture-pay.service");
      // The invocation ties a failure's lines together.
      expect(failed?.attributes["journal.invocation_id"]).toBe("5f1a0c3e9b7d4e21a6c8f0d2b4e6a8c1");
      expect(mainExited?.attributes["journal.invocation_id"]).toBe("5f1a0c3e9b7d4e21a6c8f0d2b4e6a8c1");
    });

    it("does not let a process that is not PID 1 (or not root) speak for another unit", () => {
      const raw = fixture("unit-failure.jsonl");
      const [ownEntry, , , coredumpEntry, objectEntry] = raw as JournalEntry[];
      // A client-supplied UNIT= from a process of another unit.
      expect(journalEntryToLogRecord({ ...ownEntry, UNIT: "sshd.service" }, HOST).unit).toBe(
        "fs-fixture-pay.service",
      );
      // OBJECT_/COREDUMP_ fields count only from root senders (journalctl matches them with _UID=0).
      expect(journalEntryToLogRecord({ ...objectEntry, _UID: "1000" }, HOST).unit).toBe(
        "fs-fixture-watch.service",
      );
      expect(journalEntryToLogRecord({ ...coredumpEntry, _UID: "1000" }, HOST).unit).toBe(
        "systemd-coredump@0-4242-0.service",
      );
    });
  });

  it("reads the full large MESSAGE under --all and flags the null journalctl prints without it", () => {
    const all = journalEntryToLogRecord(one("logger-big-message-all.jsonl"), HOST);
    expect(all.body).toBe(`fs-fixture-big ${"x".repeat(6000)}`);
    expect([all.severityNumber, all.severityText]).toEqual([10, "INFO"]);
    const truncated = one("logger-big-message-no-all.jsonl");
    expect(truncated.MESSAGE).toBeNull();
    const r = journalEntryToLogRecord(truncated, HOST);
    expect(r.body).toBe("");
    expect(r.attributes["journal.message_missing"]).toBe("true");
    expect(r.time).toBe(all.time);
  });

  it("takes the first value of a field that occurs several times", () => {
    const e = one("logger-multi-value.jsonl");
    expect(e.FS_TAG).toEqual(["alpha", "beta"]);
    expect(decodeField(e.FS_TAG)?.text).toBe("alpha");
    const r = journalEntryToLogRecord(e, HOST);
    expect([r.severityNumber, r.severityText]).toEqual([5, "DEBUG"]);
    expect(r.body).toBe("fs-fixture-multi line one");
  });

  it("never throws on malformed entries", () => {
    const weird: JournalEntry[] = [
      {},
      { MESSAGE: 42, PRIORITY: "9", __REALTIME_TIMESTAMP: "abc", _PID: "-1" },
      { MESSAGE: [300, -1, "x"], __REALTIME_TIMESTAMP: "9999999999999999999", __CURSOR: 7 },
      { MESSAGE: [[104, 105], "second"], PRIORITY: ["3", "4"], CONTAINER_ID_FULL: null },
      { MESSAGE: { nested: true }, __SEQNUM: "12" },
    ];
    const now = () => "2026-01-01T00:00:00.000Z";
    const rs = weird.map((e) => journalEntryToLogRecord(e, HOST, now));
    expect(rs.map((r) => r.body)).toEqual(["", "42", "x", "hi", ""]);
    expect(rs.map((r) => r.time)).toEqual(Array(5).fill("2026-01-01T00:00:00.000Z"));
    expect(rs.map((r) => r.severityNumber)).toEqual([0, 0, 0, 17, 0]);
    expect(rs.map((r) => r.pid)).toEqual([0, 0, 0, 0, 0]);
    expect(rs.map((r) => r.seq)).toEqual([0, 0, 0, 0, 12]);
  });
});

describe("helpers", () => {
  it("converts microseconds to RFC 3339 with nine fractional digits", () => {
    expect(realtimeToRfc3339("1795314134852584")).toBe("2026-11-22T02:22:14.852584000Z");
    expect(realtimeToRfc3339("0")).toBe("1970-01-01T00:00:00.000000000Z");
    expect(realtimeToRfc3339("")).toBeUndefined();
  });

  it("maps every syslog priority", () => {
    expect(["0", "1", "2", "3", "4", "5", "6", "7"].map((p) => priorityToSeverity(p))).toEqual([
      { number: 23, text: "FATAL" },
      { number: 22, text: "FATAL" },
      { number: 21, text: "FATAL" },
      { number: 17, text: "ERROR" },
      { number: 13, text: "WARN" },
      { number: 10, text: "INFO" },
      { number: 9, text: "INFO" },
      { number: 5, text: "DEBUG" },
    ]);
    expect(priorityToSeverity("")).toEqual({ number: 0, text: "" });
    expect(priorityToSeverity("8")).toEqual({ number: 0, text: "" });
  });

  it("takes the sequence number from __SEQNUM or else the cursor's hex i=", () => {
    expect(journalSeq({ __SEQNUM: "1234", __CURSOR: "s=a;i=ff;b=c" })).toBe(1234);
    expect(journalSeq({ __CURSOR: "s=a;i=ff;b=c" })).toBe(255);
    expect(journalSeq({ __CURSOR: "garbage" })).toBe(0);
  });
});
