// The four modes of the fluentd forward protocol v1, after msgpack decoding:
//   Message                  [tag, time, record, option?]
//   Forward                  [tag, [[time, record], …], option?]
//   PackedForward            [tag, bin: concatenated msgpack [time, record] values, option?]
//   CompressedPackedForward  the same, gzipped, with option {compressed: "gzip"}
// `option.chunk` asks for an ack. Events that are not [time, record] are skipped and counted;
// the rest of their message is kept.
import { gunzipSync } from "node:zlib";
import { Decoder } from "@msgpack/msgpack";
import { fluentdCodec } from "./event-time.ts";
import { text } from "./msgpack-text.ts";

// One decoder for all messages: building one per message costs more than decoding a short one.
const decoder = new Decoder({ extensionCodec: fluentdCodec, rawStrings: true });

export interface ForwardEvent {
  time: unknown;
  record: Record<string, unknown>;
}

export type ForwardMessage =
  | { ok: true; tag: string; events: ForwardEvent[]; chunk?: string; badEvents: number }
  | { ok: false; reason: string; chunk?: string };

/** Decodes one whole msgpack value of the stream; never throws. */
export function readForwardMessage(bytes: Buffer, maxBytes: number): ForwardMessage {
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (err) {
    return { ok: false, reason: `undecodable msgpack: ${(err as Error).message}` };
  }
  if (!Array.isArray(value) || value.length < 2 || value.length > 4)
    return { ok: false, reason: "not a forward message ([tag, time, record] or [tag, entries])" };
  const tag = text(value[0]);
  const second: unknown = value[1];
  // Packed entries come as bin (or, from old clients, str: bytes too, thanks to rawStrings).
  const isPacked = second instanceof Uint8Array;
  const option = isObject(value[Array.isArray(second) || isPacked ? 2 : 3]);
  const chunk = text(option?.chunk);
  if (tag === undefined) return { ok: false, reason: "tag is not a string", chunk };

  if (Array.isArray(second)) return { ok: true, tag, chunk, ...toEvents(second) };
  if (isPacked) {
    const packed = unpack(second, text(option?.compressed), maxBytes);
    if (typeof packed === "string") return { ok: false, reason: packed, chunk };
    return { ok: true, tag, chunk, ...toEvents(packed) };
  }
  const record = isObject(value[2]);
  if (!record) return { ok: false, reason: "record is not a map", chunk };
  return { ok: true, tag, chunk, events: [{ time: second, record }], badEvents: 0 };
}

/** PackedForward entries (gunzipped when asked) as decoded values, or why not. */
function unpack(entries: Uint8Array, compressed: string | undefined, maxBytes: number): unknown[] | string {
  let bytes = Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength);
  if (compressed === "gzip") {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      return (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE"
        ? `gzip entries inflate past the ${maxBytes}-byte limit`
        : `gzip entries do not inflate: ${(err as Error).message}`;
    }
  } else if (compressed !== undefined && compressed !== "text") return `unknown compression "${compressed}"`;
  const out: unknown[] = [];
  try {
    for (const v of decoder.decodeMulti(bytes)) out.push(v);
  } catch (err) {
    // Entries decoded before the bad bytes are kept; the rest is counted as one bad event.
    out.push(`undecodable entry: ${(err as Error).message}`);
  }
  return out;
}

function toEvents(entries: unknown[]): { events: ForwardEvent[]; badEvents: number } {
  const events: ForwardEvent[] = [];
  let badEvents = 0;
  for (const e of entries) {
    const record = Array.isArray(e) && e.length === 2 ? isObject(e[1]) : undefined;
    if (record) events.push({ time: (e as unknown[])[0], record });
    else badEvents++;
  }
  return { events, badEvents };
}

function isObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
    ? (v as Record<string, unknown>)
    : undefined;
}
