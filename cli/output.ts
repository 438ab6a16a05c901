// What the API commands print: text for a person or JSON for scripts, both safe for a terminal.
import { Option } from "commander";
import { renderSafe } from "../client/render-safe.ts";

export type OutputFormat = "text" | "json";

export const outputOption = (json = "json, one object a line, for scripts") =>
  new Option("-o, --output <format>", `text for a person, ${json}`)
    .env("FLEETSCOPE_OUTPUT")
    .choices(["text", "json"])
    .default("text");

/** One line of text, control characters made visible (renderSafe). */
export function printText(line: string): void {
  process.stdout.write(`${renderSafe(line)}\n`);
}

// What JSON.stringify leaves as it is but renderSafe would not show raw: DEL, C1 controls and the
// bidi overrides (C0 controls JSON escapes itself). Escaped as \uXXXX, the JSON stays valid and
// parses to the same text. test/unit/cli-output.test.ts keeps this in step with renderSafe.
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `value` as JSON that cannot drive a terminal (see JSON_UNSAFE). */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function printJson(value: unknown, indent?: number): void {
  process.stdout.write(`${safeJson(value, indent)}\n`);
}
