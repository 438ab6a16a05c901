// How long the fluentd receiver's framing takes for one 8 MiB forward message arriving in 1 KiB
// reads (a slow sender), against the same bytes in one read. Framing that starts an unfinished
// message over with every read is quadratic here; it should be linear.
//   node bench/fluentd-framing.ts
import { encode } from "@msgpack/msgpack";
import { MsgpackFrames } from "../collector/receivers/fluentd/frames.ts";

function frame(stream: Buffer, readBytes: number): number {
  const started = process.cpuUsage();
  const frames = new MsgpackFrames(9 * 1024 * 1024);
  let values = 0;
  for (let i = 0; i < stream.length; i += readBytes)
    values += frames.push(stream.subarray(i, i + readBytes)).values.length;
  if (values !== 1) throw new Error(`expected one message, framed ${values}`);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

const message = Buffer.from(encode(["app", 1795323791, { log: "x".repeat(8 * 1024 * 1024 - 64) }]));
const whole = frame(message, message.length);
const pieces = frame(message, 1024);
console.log(
  `8 MiB forward message: one read ${whole.toFixed(1)} ms CPU; 1 KiB reads ${pieces.toFixed(1)} ms CPU`,
);
