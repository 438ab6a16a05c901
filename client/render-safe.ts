// Text from the store shown on a terminal. Log lines, names and command lines are stored as the
// program wrote them, control characters included (they are evidence: a stray \0 or a colour
// code can be the bug); every renderer calls `renderSafe`, which makes them visible instead of
// letting them drive the terminal (clear the screen, recolour, retitle, hide text).

/** C0 except tab and newline, DEL, C1, and the bidirectional overrides that reorder what is shown. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// The same, unflagged (no lastIndex to keep), and with tab and newline for singleLine.
const UNSAFE_ONCE = new RegExp(UNSAFE.source);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_OR_BREAK = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Text for a terminal: C0 controls become their visible Control Pictures (NUL → ␀, ESC → ␛), DEL
 * → ␡, and C1 controls and bidi overrides a `\u{…}` escape. Tab and newline are kept unless
 * `singleLine`, which shows them as → and ⏎.
 */
export function renderSafe(s: string, { singleLine = false }: { singleLine?: boolean } = {}): string {
  // Most text has nothing to show differently: one scan instead of three passes that copy it
  // (a table runs every cell of every poll through here).
  if (!(singleLine ? UNSAFE_OR_BREAK : UNSAFE_ONCE).test(s)) return s;
  let out = s.replace(UNSAFE, visible);
  if (singleLine) out = out.replace(/\r?\n/g, "⏎").replace(/\t/g, "→");
  return out;
}

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  return `\\u{${code.toString(16)}}`;
}
