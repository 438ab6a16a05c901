import { readFileSync } from "node:fs";
import { type Logger, pino } from "pino";

export const VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;

/** JSON logs on stderr; stdout is kept for what the command tells the person. */
export function createLogger(level: string, name: string): Logger {
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}

/**
 * Runs until SIGINT/SIGTERM, then awaits `stop`, says so on stdout and exits 0. A second signal, or a stop that
 * takes longer than `forceAfterMs`, exits 1 at once.
 */
export function stopOnSignal(
  label: string,
  log: Logger,
  stop: () => Promise<void>,
  forceAfterMs = 30_000,
): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting without a clean shutdown");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, forceAfterMs).unref();
    stop().then(
      () => {
        console.log(`${label}: stopped cleanly`);
        process.exit(0);
      },
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
