// The first token of a store: an aggregator (or `fleetscope up`) that finds no admin token makes
// one and leaves it in its data directory, readable by its owner only, for the CLI and TUI on the
// same machine. A token file is written whole (temp file, then rename), so a reader never sees half.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { Role } from "./principal.ts";
import type { TokenStore } from "./tokens.ts";

/** Reads a token file's secret (undefined if absent); a file others may read is reported. */
async function readTokenFile(file: string, log: Logger): Promise<string | undefined> {
  try {
    const { mode } = await stat(file);
    if (mode & 0o077)
      log.warn({ file, mode: (mode & 0o777).toString(8) }, "token file is readable by others; chmod 600 it");
    return (await readFile(file, "utf8")).trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function writeTokenFile(file: string, secret: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, `${secret}\n`, { mode: 0o600, flag: "wx" });
  await rename(temp, file);
}

/**
 * Makes sure `file` holds a valid admin token: kept if it still works; else, when the store has
 * no active admin token, a new one is created and written. When the store already has admin
 * tokens but not this file's, nothing is minted (someone manages tokens) and the reason is logged.
 * Returns whether the file holds a working admin token.
 */
export async function ensureAdminToken(tokens: TokenStore, file: string, log: Logger): Promise<boolean> {
  const secret = await readTokenFile(file, log);
  if (secret && tokens.verify(secret)?.role === "admin") return true;
  const admins = (await tokens.list({ active: true })).filter((t) => t.role === "admin");
  if (admins.length > 0) {
    log.warn(
      { file, admins: admins.length },
      `${secret ? "the token in" : "no"} admin token file ${file}${secret ? " is not a valid admin token" : ""}; the store has other admin tokens, so none is created: use one of them (--token-file)`,
    );
    return false;
  }
  const created = await tokens.create({ name: "admin (created on first start)", role: "admin" });
  await writeTokenFile(file, created.secret);
  log.info({ file, id: created.token.id }, "created the first admin token");
  return true;
}

/**
 * A token of `role` kept in `file` for a process of this machine (the collector of `up`): the
 * file's when it still works with that role, else a new one (written to the file).
 */
export async function ensureTokenFile(
  tokens: TokenStore,
  file: string,
  spec: { name: string; role: Role; logSet?: string },
  log: Logger,
): Promise<string> {
  const secret = await readTokenFile(file, log);
  if (secret && tokens.verify(secret)?.role === spec.role) return secret;
  const created = await tokens.create(spec);
  await writeTokenFile(file, created.secret);
  return created.secret;
}
