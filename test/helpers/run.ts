import { spawn } from "node:child_process";

/** Runs a program with `input` on stdin; resolves with its exit code and its stdout+stderr. */
export function runWithInput(
  cmd: string,
  args: string[],
  input: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

export const PROMTOOL = process.env.FLEETSCOPE_TEST_PROMTOOL ?? "promtool";
