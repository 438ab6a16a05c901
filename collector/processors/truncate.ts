/** Set ("true") on a record whose body a reader or receiver had to cut before the pipeline saw it. */
export const TRUNCATED_ATTRIBUTE = "fleetscope.truncated";
/** The body's size in bytes before it was cut, on every record cut at the size limit. */
export const TRUNCATED_BYTES_ATTRIBUTE = "fleetscope.truncated_bytes";

/** Appended to a line cut at the size limit, so a reader sees it was cut (never dropped silently). */
export const TRUNCATION_MARKER = "…[truncated by fleetscope]";

/**
 * Cuts `body` to at most `maxBytes` UTF-8 bytes (marker included), on a character boundary.
 * Returns the original string when it fits.
 */
export function truncateLine(
  body: string,
  maxBytes: number,
): { body: string; truncated: boolean; bytes: number } {
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes <= maxBytes) return { body, truncated: false, bytes };
  const room = Math.max(0, maxBytes - Buffer.byteLength(TRUNCATION_MARKER, "utf8"));
  const cut = Buffer.from(body, "utf8")
    .subarray(0, room)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
  return { body: cut + TRUNCATION_MARKER, truncated: true, bytes };
}
