// `fleetscope <command>` run to its end as a child process, as a person or a script runs it.
import { execFile } from "node:child_process";
import { tokenEnv } from "./api.ts";
import { REPO } from "./stack.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Resolves with the exit code and both outputs, whether it succeeded or not. A command naming the
 * `--url` of a started stack gets its token in FLEETSCOPE_TOKEN (see tokenEnv).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [`${REPO}/cli/fleetscope.ts`, ...args],
      { env: { ...process.env, ...tokenEnv(args, env) }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        if (typeof code !== "number") reject(err);
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The lines of stdout, without the last newline. */
export const lines = (r: CliResult) => (r.stdout === "" ? [] : r.stdout.replace(/\n$/, "").split("\n"));
