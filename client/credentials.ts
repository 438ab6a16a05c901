// Where a reader's token comes from, in this order: a token file named by --token-file
// (FLEETSCOPE_TOKEN_FILE), the token itself in FLEETSCOPE_TOKEN, or the admin token a local
// `fleetscope up` / `fleetscope aggregator` keeps in its data directory. Never argv: every user of
// the machine can read another's command line.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Credentials {
  token?: string;
  /** Where the token came from (or why there is none), for the message of a 401. */
  source: string;
}

/** The admin token file a data directory holds (written by the aggregator, mode 0600). */
export const adminTokenFile = (dataDir: string) => join(dataDir, "admin.token");

/** A token file's secret: its first line, trimmed. */
export function readTokenFile(file: string): string {
  const token = readFileSync(file, "utf8").split("\n")[0]?.trim() ?? "";
  if (token === "") throw new Error(`the token file ${file} is empty`);
  return token;
}

export interface CredentialOptions {
  /** --token-file (or FLEETSCOPE_TOKEN_FILE, which the option reads). */
  tokenFile?: string;
  /** Whose admin.token to fall back on; none: no fallback (the collector). */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The token to send. A named token file that cannot be read is an error (it was asked for); a
 * data directory's admin.token that cannot be read is only noted in `source`.
 */
export function resolveCredentials({
  tokenFile,
  dataDir,
  env = process.env,
}: CredentialOptions): Credentials {
  if (tokenFile) {
    try {
      return { token: readTokenFile(tokenFile), source: `the token file ${tokenFile} (--token-file)` };
    } catch (err) {
      throw new Error(
        `cannot read the token file ${tokenFile} given by --token-file or FLEETSCOPE_TOKEN_FILE: ${(err as Error).message}`,
      );
    }
  }
  const fromEnv = env.FLEETSCOPE_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: "FLEETSCOPE_TOKEN" };
  if (!dataDir)
    return { source: "no token (none given with --token-file, FLEETSCOPE_TOKEN_FILE or FLEETSCOPE_TOKEN)" };
  const file = adminTokenFile(dataDir);
  try {
    return { token: readTokenFile(file), source: `the admin token of ${file} (--data)` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return {
      source: `no token (none given with --token-file or FLEETSCOPE_TOKEN, and ${file} is not readable: ${code})`,
    };
  }
}
