// fluentd's EventTime: msgpack ext type 0 with 8 bytes, seconds and nanoseconds as big-endian
// uint32 (Docker sends it with `--log-opt fluentd-sub-second-precision=true`, plain integer
// seconds otherwise).
import { ExtensionCodec } from "@msgpack/msgpack";

export class EventTime {
  readonly nanos: bigint;
  constructor(nanos: bigint) {
    this.nanos = nanos;
  }
}

export const EVENT_TIME_TYPE = 0;

export const fluentdCodec = new ExtensionCodec();
fluentdCodec.register({
  type: EVENT_TIME_TYPE,
  encode: (v) => {
    if (!(v instanceof EventTime)) return null;
    const b = Buffer.alloc(8);
    b.writeUInt32BE(Number(v.nanos / 1_000_000_000n));
    b.writeUInt32BE(Number(v.nanos % 1_000_000_000n), 4);
    return b;
  },
  decode: (data) => {
    if (data.length !== 8) throw new RangeError(`EventTime of ${data.length} bytes, not 8`);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return new EventTime(BigInt(view.getUint32(0)) * 1_000_000_000n + BigInt(view.getUint32(4)));
  },
});

const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
const MAX_NANOS = BigInt(MAX_SECONDS) * 1_000_000_000n;

/** An event's time as nanoseconds: EventTime, integer seconds, or (leniently) float seconds. */
export function eventNanos(time: unknown): bigint | undefined {
  let n: bigint | undefined;
  if (time instanceof EventTime) n = time.nanos;
  else if (typeof time === "number" && time >= 0 && time <= MAX_SECONDS)
    n = BigInt(Math.round(time * 1e6)) * 1000n;
  else if (typeof time === "bigint") n = time * 1_000_000_000n;
  return n !== undefined && n >= 0n && n <= MAX_NANOS ? n : undefined;
}
