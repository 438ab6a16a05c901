// Unsafe text in log lines: how it is stored.
//
// Stored as the program wrote it, as far as text can hold it: NUL, escape sequences and other
// control characters are kept (they are evidence: a stray \0 or a colour code can be the bug),
// JSON carries them escaped (\u0000) and the store's String columns hold any byte. Bytes that
// were not UTF-8 are already U+FFFD by the time a line is a string (docker's json-file and the
// journal decode that way); lone UTF-16 surrogates (a JSON "\ud800" escape) are replaced with
// U+FFFD too, so every stored string is valid UTF-8.
//
// Shown safely: that is the readers' part (client/render-safe.ts), not the collector's.

/** Well-formed UTF-16 (lone surrogates → U+FFFD); returns the same string when it already is. */
export function wellFormed(s: string): string {
  return s.isWellFormed() ? s : s.toWellFormed();
}
