// What the pipeline does to every log record on its way to the spool, whatever its source:
// well-formed text, the size limit, structured fields as attributes, a severity when the
// protocol gave none. Cheap by design: most lines fail the first character checks and regexes.

import type { LogRecord } from "../../protocol/records.ts";
import { wellFormed } from "./sanitize.ts";
import { severityFromFields, severityFromText } from "./severity.ts";
import { DEFAULT_STRUCTURED_LIMITS, parseStructured, type StructuredLimits } from "./structured.ts";
import { TRUNCATED_BYTES_ATTRIBUTE, truncateLine } from "./truncate.ts";

export interface EnrichOptions {
  /** Bodies above this many UTF-8 bytes are cut with a marker (--max-line-size). */
  maxLineBytes: number;
  structured?: StructuredLimits;
}

/** Enriches `r` in place; returns true when its body had to be truncated. */
export function enrichLog(r: LogRecord, opts: EnrichOptions): boolean {
  let truncated = false;
  let body = wellFormed(r.body);
  // Cheap pre-check: a UTF-8 byte is at most 3 per UTF-16 unit.
  if (body.length * 3 > opts.maxLineBytes) {
    const t = truncateLine(body, opts.maxLineBytes);
    if (t.truncated) {
      body = t.body;
      truncated = true;
      // The source may know the size before an earlier cut (json-file's merger); keep that one.
      if (!r.attributes[TRUNCATED_BYTES_ATTRIBUTE])
        r.attributes = { ...r.attributes, [TRUNCATED_BYTES_ATTRIBUTE]: String(t.bytes) };
    }
  }
  r.body = body;
  const fields = truncated ? undefined : parseStructured(body, opts.structured ?? DEFAULT_STRUCTURED_LIMITS);
  // The source's own attributes (labels, journal fields, truncation marks) win over the line's.
  if (fields) r.attributes = Object.assign(fields, r.attributes);
  if (r.severityNumber === 0) {
    const s = severityFromFields(fields) ?? severityFromText(body);
    if (s) {
      r.severityNumber = s.number;
      r.severityText = s.text;
    }
  }
  return truncated;
}
