// The log line the pipeline benches print, one shape for every bench that stores them: a
// container's request log with a counter, 115 characters plus the newline.

/** Line `i` (from 1) as printed. */
export const benchLine = (i: number) =>
  `2026-11-22T00:00:00Z INFO bench-marker request ${i} served in 12ms path=/api/v1/items/${i} status=200 bytes=5120`;

/** The awk program a busybox container runs to print lines 1..n (printer.ts). */
export const benchLinesAwk = (n: number) =>
  `BEGIN{for(i=1;i<=${n};i++) printf "2026-11-22T00:00:00Z INFO bench-marker request %d served in 12ms path=/api/v1/items/%d status=200 bytes=5120\\n", i, i}`;

/** How the line benches run a collector: the deployed stats interval, minus what they do not feed it. */
export const BENCH_COLLECTOR_FLAGS = ["--no-journal", "--stats-interval", "10s", "--metrics-listen", "off"];
