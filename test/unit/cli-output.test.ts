// What the API commands print is safe for a terminal: JSON output escapes exactly the characters
// renderSafe would not show raw (so it stays valid JSON and parses back to the same text), and
// table cells are made safe and single-line before they are measured.
import { describe, expect, it } from "vitest";
import { safeJson } from "../../cli/output.ts";
import { renderTable } from "../../cli/render/table.ts";
import { renderSafe } from "../../client/render-safe.ts";

describe("terminal-safe output of the API commands", () => {
  it("JSON escapes every character renderSafe changes, and no other", () => {
    for (let cp = 0; cp < 0x3000; cp++) {
      const c = String.fromCodePoint(cp);
      const unsafe = c !== "\n" && c !== "\t" && renderSafe(c) !== c;
      const json = safeJson({ c });
      expect(JSON.parse(json).c, `U+${cp.toString(16)}`).toBe(c);
      if (unsafe) expect(json.includes(c), `U+${cp.toString(16)} raw`).toBe(false);
      else expect(json, `U+${cp.toString(16)} escaped needlessly`).toBe(JSON.stringify({ c }));
    }
  });

  it("a table: columns as wide as their widest cell, numbers right-aligned, cells safe and on one line", () => {
    const rows = [
      { name: "api", cpu: "40.0%" },
      { name: "evil\u001b[2J\nname", cpu: "5.0%" },
    ];
    const table = renderTable(
      [
        { title: "NAME", cell: (r) => r.name },
        { title: "CPU %", cell: (r) => r.cpu, align: "right" },
      ],
      rows,
    );
    expect(table.split("\n")).toEqual([
      "NAME            CPU %",
      "api             40.0%",
      "evil␛[2J⏎name    5.0%",
    ]);
  });
});
