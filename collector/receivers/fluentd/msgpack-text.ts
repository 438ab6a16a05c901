// Strings are decoded with `rawStrings` (as bytes) and turned into text here, so that invalid
// UTF-8 always becomes U+FFFD: @msgpack/msgpack's own decoder maps it to Latin-1 look-alikes in
// short strings and to U+FFFD in long ones.
export function text(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("utf8");
  return undefined;
}
