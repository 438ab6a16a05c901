// The README's table of the collector's flags is the one scripts/flag-table.ts prints from the
// options and the source and receiver registries: a flag added, renamed or re-described without
// regenerating it fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { listenOption } from "../../collector/receivers/receiver.ts";
import { RECEIVERS } from "../../collector/receivers/registry.ts";
import { SOURCES } from "../../collector/sources/registry.ts";
import { BEGIN, END, flagTable } from "../../scripts/flag-table.ts";
import { REPO } from "../helpers/stack.ts";

describe("README flag table", () => {
  it("is what scripts/flag-table.ts prints", () => {
    const readme = readFileSync(`${REPO}/README.md`, "utf8");
    const from = readme.indexOf(BEGIN);
    const to = readme.indexOf(END);
    expect(from, "the README's begin marker").toBeGreaterThan(-1);
    expect(to, "the README's end marker").toBeGreaterThan(from);
    expect(readme.slice(from + BEGIN.length, to).trim()).toBe(flagTable());
  });

  it("lists every flag of every registered source and receiver", () => {
    const table = flagTable();
    const flags = [
      ...SOURCES.flatMap((s) => s.flags()),
      ...RECEIVERS.flatMap((r) => [listenOption(r), ...r.flags()]),
    ];
    for (const o of flags) expect(table).toContain(`| \`${o.flags}\` | \`${o.envVar}\` |`);
  });
});
