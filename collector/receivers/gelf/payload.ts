// A GELF payload is gzip, zlib or plain JSON; GELF has no header saying which, so the first
// bytes decide (as Graylog does). Inflating stops at `maxBytes`: a small zip bomb must not
// become gigabytes in memory.
import { gunzipSync, inflateSync } from "node:zlib";

export type PayloadResult =
  | { ok: true; json: string; encoding: "gzip" | "zlib" | "none" }
  | { ok: false; reason: string };

function isZlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && (b0 * 256 + b1) % 31 === 0;
}

export function decodePayload(payload: Buffer, maxBytes: number): PayloadResult {
  const [b0 = -1, b1 = -1] = payload;
  let encoding: "gzip" | "zlib" | "none" = "none";
  if (b0 === 0x1f && b1 === 0x8b) encoding = "gzip";
  else if (isZlibHeader(b0, b1)) encoding = "zlib";
  if (encoding === "none") {
    if (payload.length > maxBytes)
      return { ok: false, reason: `message of ${payload.length} bytes over the ${maxBytes}-byte limit` };
    return { ok: true, json: payload.toString("utf8"), encoding };
  }
  try {
    const inflate = encoding === "gzip" ? gunzipSync : inflateSync;
    return { ok: true, json: inflate(payload, { maxOutputLength: maxBytes }).toString("utf8"), encoding };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE")
      return { ok: false, reason: `${encoding} message inflates past the ${maxBytes}-byte limit` };
    return { ok: false, reason: `${encoding} message does not inflate: ${(err as Error).message}` };
  }
}
