// RFC 5424 STRUCTURED-DATA: `-`, or elements `[SD-ID PARAM="VALUE" …]` back to back, where a
// VALUE escapes `"`, `\` and `]` with a backslash. Kept as attributes `sd-id.param` → value.
import { newAttributes } from "../../../protocol/records.ts";

/** More parameters than this in one message are not kept (the line still is). */
export const MAX_SD_PARAMS = 64;

export type SdResult =
  | { ok: true; params: Record<string, string>; end: number }
  | { ok: false; reason: string };

/** A SD-NAME: printable US-ASCII except `=`, space, `]` and `"`; at most 32 characters. */
const NAME = /[!#-<>-\\^-~]{1,32}/y;

/** Parses the STRUCTURED-DATA that starts at `at`; `end` is the index just after it. */
export function parseStructuredData(text: string, at: number): SdResult {
  if (text[at] === "-") return { ok: true, params: {}, end: at + 1 };
  if (text[at] !== "[") return { ok: false, reason: "expected - or [" };
  const params: Record<string, string> = newAttributes();
  let count = 0;
  let i = at;
  while (text[i] === "[") {
    const id = name(text, i + 1);
    if (id === undefined) return { ok: false, reason: `bad SD-ID at ${i + 1}` };
    i += 1 + id.length;
    while (text[i] === " ") {
      const param = name(text, i + 1);
      if (param === undefined || text[i + 1 + param.length] !== "=" || text[i + 2 + param.length] !== '"')
        return { ok: false, reason: `bad SD-PARAM at ${i + 1}` };
      const value = quoted(text, i + 3 + param.length);
      if (value === undefined) return { ok: false, reason: `unterminated PARAM-VALUE at ${i + 1}` };
      if (count++ < MAX_SD_PARAMS) params[`${id}.${param}`] = value.value;
      i = value.end;
    }
    if (text[i] !== "]") return { ok: false, reason: `expected ] at ${i}` };
    i++;
  }
  return { ok: true, params, end: i };
}

function name(text: string, at: number): string | undefined {
  NAME.lastIndex = at;
  return NAME.exec(text)?.[0];
}

/** A PARAM-VALUE from just after its opening quote; `end` is just after the closing one. */
function quoted(text: string, at: number): { value: string; end: number } | undefined {
  let value = "";
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return { value, end: i + 1 };
    if (c === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\" || text[i + 1] === "]")) {
      value += text[++i];
    } else value += c;
  }
  return undefined;
}
