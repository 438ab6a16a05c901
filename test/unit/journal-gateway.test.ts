// The journal-gateway source's flag values, its line bound and its record mapping on real
// gatewayd output (test/fixtures/journal-gateway/SOURCE.md).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseGatewayList,
  parseGatewayTarget,
} from "../../collector/sources/journal-gateway/gateway-flags.ts";
import { entriesUrl } from "../../collector/sources/journal-gateway/gateway-follower.ts";
import { savedCursors, toRecord } from "../../collector/sources/journal-gateway/journal-gateway-source.ts";
import { LineSplitter } from "../../collector/sources/journal-gateway/line-splitter.ts";
import { journalctlSince, journalSinceMicros } from "../../collector/sources/journal-since.ts";
import type { JournalEntry } from "../../collector/sources/journald/journal-entry.ts";
import type { LogRecord } from "../../protocol/records.ts";

function fixture(name: string): JournalEntry[] {
  const text = readFileSync(new URL(`../fixtures/journal-gateway/${name}`, import.meta.url), "utf8");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JournalEntry);
}

describe("a gatewayd entry as a record", () => {
  const entries = fixture("gatewayd-entries.jsonl");
  const target = parseGatewayTarget("http://10.0.0.2:19531");
  const records = entries.map((e) => toRecord(e, target) as LogRecord);

  it("carries the remote host from _HOSTNAME, the gateway, identifier and priority", () => {
    expect(
      records.map((r) => [r.host, r.attributes["journal.gateway"], r.source, r.identifier, r.severityNumber]),
    ).toEqual([
      ["vm", "http://10.0.0.2:19531", "journald", "fs-gw-fixture", 17],
      ["vm", "http://10.0.0.2:19531", "journald", "fs-gw-fixture", 13],
      ["vm", "http://10.0.0.2:19531", "journald", "fs-gw-fixture", 10],
    ]);
  });

  it("takes the host from NAME=URL over _HOSTNAME", () => {
    const named = toRecord(entries[0] as JournalEntry, parseGatewayTarget("web-2=http://10.0.0.2:19531"));
    expect(named.host).toBe("web-2");
  });

  it("believes container fields only from that machine's dockerd", () => {
    const forged = records[0] as LogRecord;
    expect([forged.containerId, forged.containerName, forged.image]).toEqual(["", "", ""]);
    expect(forged.attributes).toMatchObject({
      "journal.unverified": "container",
      "journal.container_name": "forged",
      "journal.comm": "logger",
    });
  });

  it("marks a MESSAGE gatewayd printed as null (4096 bytes or more) as missing", () => {
    expect([records[2]?.body, records[2]?.attributes["journal.message_missing"]]).toEqual(["", "true"]);
  });

  it("maps gatewayd's JSON exactly as journalctl's (gatewayd prints with journalctl's output)", () => {
    const viaJournalctl = fixture("journalctl-same-entries.jsonl").map((e) => toRecord(e, target));
    expect(records).toEqual(viaJournalctl);
  });
});

describe("the saved cursors", () => {
  it("keeps each gateway's cursor string and leaves out anything else", () => {
    expect(savedCursors({ "http://a:1": "s=1;i=2", "http://b:1": 7, "http://c:1": "" })).toEqual({
      "http://a:1": "s=1;i=2",
    });
    expect([savedCursors("s=1;i=2"), savedCursors(null), savedCursors(["x"])]).toEqual([{}, {}, {}]);
  });
});

describe("--journal-gateway", () => {
  it("takes URLs and NAME=URL, repeated or comma-separated, and keys them without credentials", () => {
    const first = parseGatewayList("http://10.0.0.2:19531, web-3=https://u:pw@proxy.example/j/web-3/");
    const all = parseGatewayList("http://10.0.0.4:19531/", first);
    expect(all).toEqual([
      { url: "http://10.0.0.2:19531", label: "http://10.0.0.2:19531" },
      { url: "https://u:pw@proxy.example/j/web-3/", label: "https://proxy.example/j/web-3/", name: "web-3" },
      { url: "http://10.0.0.4:19531/", label: "http://10.0.0.4:19531" },
    ]);
  });

  it("refuses what is not an http(s) URL, and a gateway named twice, saying what it expects", () => {
    expect(() => parseGatewayList("10.0.0.2:19531")).toThrow(/expected http\(s\):\/\/HOST:19531/);
    expect(() => parseGatewayList("web=ftp://x")).toThrow(/expected http\(s\)/);
    expect(() => parseGatewayList("http://a:1,b=http://a:1/")).toThrow(/http:\/\/a:1 is named twice/);
  });

  it("asks gatewayd for /entries?follow, under a proxy's path prefix too", () => {
    expect(entriesUrl("http://10.0.0.2:19531").href).toBe("http://10.0.0.2:19531/entries?follow");
    expect(entriesUrl("https://u:pw@p.example/j/web-3").href).toBe(
      "https://u:pw@p.example/j/web-3/entries?follow",
    );
  });
});

describe("--journal-since and --journal-gateway-since", () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);
  it("reads now, journalctl's -1h, 1h and RFC 3339 as microseconds", () => {
    expect(journalSinceMicros("now", now)).toBe(BigInt(now) * 1000n);
    expect(journalSinceMicros("-1h", now)).toBe(BigInt(now - 3_600_000) * 1000n);
    expect(journalSinceMicros("1h", now)).toBe(BigInt(now - 3_600_000) * 1000n);
    expect(journalSinceMicros("2026-11-30T11:00:00Z", now)).toBe(BigInt(now - 3_600_000) * 1000n);
  });

  it("refuses a time it cannot read, saying which forms it takes", () => {
    expect(() => journalSinceMicros("yesterday")).toThrow(/"yesterday" is neither RFC 3339/);
  });

  it("gives journalctl an instant for a relative since, and its own absolute forms as they are", () => {
    expect(journalctlSince("now", now + 250)).toBe(`@${now / 1000}.250000`);
    expect(journalctlSince("-1h", now)).toBe(`@${(now - 3_600_000) / 1000}.000000`);
    expect(journalctlSince("2026-11-22 00:00:00", now)).toBe("2026-11-22 00:00:00");
    expect(journalctlSince("yesterday", now)).toBe("yesterday");
  });
});

describe("LineSplitter", () => {
  it("joins lines across chunks and skips a line over the bound up to its newline, counted once", () => {
    const s = new LineSplitter(8);
    const a = s.push(Buffer.from('{"a":1}\n{"b"'));
    const b = s.push(Buffer.from(":2}\nxxxxxxxxxx"));
    const c = s.push(Buffer.from("xxxxx\nok\n"));
    const text = (r: { lines: Buffer[] }) => r.lines.map((l) => l.toString());
    expect([text(a), text(b), text(c)]).toEqual([['{"a":1}'], ['{"b":2}'], ["ok"]]);
    expect([a.oversized, b.oversized, c.oversized]).toEqual([[], [10], []]);
  });

  it("holds at most the bound of a peer that never sends a newline", () => {
    const s = new LineSplitter(1024 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    let most = 0;
    let oversized = 0;
    for (let i = 0; i < 1024; i++) {
      oversized += s.push(chunk).oversized.length;
      most = Math.max(most, s.buffered);
    }
    expect(most).toBeLessThanOrEqual(1024 * 1024);
    expect(oversized).toBe(1);
  });
});
