import { describe, expect, it } from "vitest";
import { renderWhy } from "../../cli/render/why-text.ts";
import { renderSafe } from "../../client/render-safe.ts";
import { enrichLog } from "../../collector/processors/enrich.ts";
import { wellFormed } from "../../collector/processors/sanitize.ts";
import { TRUNCATED_BYTES_ATTRIBUTE, TRUNCATION_MARKER } from "../../collector/processors/truncate.ts";
import type { WhyAnswer } from "../../protocol/api/why.ts";
import { producerLine } from "../helpers/producer-lines.ts";

/** C0 (but tab and newline), DEL and C1: what a terminal acts on. */
const hasControls = (s: string) =>
  [...s].some((c) => {
    const k = c.charCodeAt(0);
    return (k < 0x20 && k !== 9 && k !== 10) || (k >= 0x7f && k <= 0x9f);
  });

describe("unsafe text: stored as written, shown safely", () => {
  // printf 'ctl a\000b\001c\033[31mred\033[0m \377\376 end' through a real json-file log.
  const ctl = () => producerLine("ctl ");

  it("keeps NUL, control characters and docker's U+FFFD in the stored body", () => {
    const r = ctl();
    enrichLog(r, { maxLineBytes: 1024 });
    expect(r.body).toBe("ctl a\u0000b\u0001c\u001b[31mred\u001b[0m \ufffd\ufffd end");
  });

  it("renders them visibly, never as terminal controls", () => {
    const shown = renderSafe(ctl().body);
    expect(shown).toBe("ctl a␀b␁c␛[31mred␛[0m \ufffd\ufffd end");
    expect(hasControls(shown)).toBe(false);
    expect(renderSafe("a\u202eb\u0085c\u007fd\re")).toBe("a\\u{202e}b\\u{85}c␡d␍e");
    expect(renderSafe("l1\n\tl2", { singleLine: true })).toBe("l1⏎→l2");
  });

  it("replaces lone surrogates so every stored string is valid UTF-8", () => {
    const r = { ...ctl(), body: JSON.parse('"x\\ud800y"') as string };
    enrichLog(r, { maxLineBytes: 1024 });
    expect(r.body).toBe("x\ufffdy");
    expect(Buffer.from(r.body).toString("utf8")).toBe(r.body);
    expect(wellFormed("ok")).toBe("ok");
  });

  it("cuts a body above the limit with the marker and records the original size", () => {
    const r = { ...ctl(), body: "é".repeat(1000), attributes: {} }; // 2000 bytes
    expect(enrichLog(r, { maxLineBytes: 100 })).toBe(true);
    expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(100);
    expect(r.body.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(r.attributes).toEqual({ [TRUNCATED_BYTES_ATTRIBUTE]: "2000" });
    const small = { ...ctl(), attributes: {} };
    expect(enrichLog(small, { maxLineBytes: 100 })).toBe(false);
    expect(small.attributes).toEqual({});
  });

  it("shows log bodies safely in `fleetscope why`", () => {
    const text = renderWhy({
      host: "h",
      container: { name: "c", image: "i" },
      event: {
        time: "2026-11-22T05:01:57.343575179Z",
        exitCode: 1,
        signal: null,
        oomKilled: false,
        cause: "x",
      },
      memoryLimitBytes: 0,
      lastLogs: [
        { time: "2026-11-22T05:01:57.343575179Z", stream: "stdout", source: "docker-json", body: ctl().body },
      ],
      samples: [],
      restarts: { startsInLastHour: 1 },
      processes: [],
      hostEvents: [],
    } as unknown as WhyAnswer); // only what the renderer reads
    expect(text).toContain("ctl a␀b␁c␛[31mred");
    expect(text).not.toContain("\u001b");
  });
});
