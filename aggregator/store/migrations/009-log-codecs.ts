// Tighter codecs for the columns of `logs` that left the default LZ4: the sequence number (a
// file offset or journal seqnum, so it grows by about the same stride down each container's
// sorted run) and the pid are nearly free with DoubleDelta/T64, and the body takes ZSTD at level
// 3. Measured on the pipeline bench's lines (bench/store-footprint.ts): seq was the largest column
// on disk. A codec change is metadata only: parts written from now on use it, older parts take it
// when they are merged; their rows read the same either way.
import type { Migration } from "./migration.ts";

export const logCodecs: Migration = {
  version: 9,
  name: "log-codecs",
  statements: [
    `ALTER TABLE logs
       MODIFY COLUMN seq UInt64 CODEC(DoubleDelta, ZSTD(1)),
       MODIFY COLUMN pid UInt32 CODEC(T64, ZSTD(1)),
       MODIFY COLUMN body String CODEC(ZSTD(3))`,
  ],
};
