// The API's tokens: created with a random secret shown once, stored as the SHA-256 of that secret,
// checked on every request and revoked by id. Requests are checked against an in-memory snapshot
// of the active tokens (a handful of rows), reloaded every few seconds in the background and at
// once after a change made here: checking a token never waits for the store, so ingest does not
// queue behind running searches, and a flood of made-up tokens costs no store query at all. The
// reload period is the bound on how long a revoked token still works on an aggregator other than
// the one that revoked it.
import { createHash, randomBytes } from "node:crypto";
import type { TokenCreate, TokenInfo } from "../../protocol/api/tokens.ts";
import { NotFound } from "../query/errors.ts";
import type { Store } from "../store/store.ts";
import type { Principal, Role } from "./principal.ts";

/** How often the snapshot of active tokens is reloaded from the store. */
export const TOKEN_CACHE_MS = 5_000;

const SECRET_PREFIX = "fst_";

/** The last admin token cannot be revoked: nobody could create or revoke tokens any more. */
export class LastAdminToken extends Error {}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  log_set: string;
  read_log_sets: string[];
  read_hosts: string[];
  secret_sha256: string;
  created_ms: string;
  revoked_ms: string;
}

const sha256 = (secret: string) => createHash("sha256").update(secret).digest("hex");

/** `2026-11-30 07:45:00.123`: how DateTime64(3) is written in JSONEachRow. */
const chTime = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

/**
 * The ReplacingMergeTree version of a row written at `ms`: microseconds, so a revocation (+1) wins
 * over its creation even in the same millisecond.
 */
const rowVersion = (ms: number) => ms * 1000;

const COLUMNS = `id, name, role, log_set, read_log_sets, read_hosts, secret_sha256,
  toUnixTimestamp64Milli(created) AS created_ms, toUnixTimestamp64Milli(revoked) AS revoked_ms`;

function infoOf(row: TokenRow): TokenInfo {
  const revoked = Number(row.revoked_ms);
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    logSet: row.log_set,
    readLogSets: row.read_log_sets,
    readHosts: row.read_hosts,
    created: new Date(Number(row.created_ms)).toISOString(),
    revoked: revoked > 0 ? new Date(revoked).toISOString() : null,
  };
}

function principalOf(row: TokenRow): Principal {
  return {
    tokenId: row.id,
    name: row.name,
    role: row.role,
    logSet: row.log_set,
    scope:
      row.role === "read"
        ? { logSets: row.read_log_sets, hosts: row.read_hosts }
        : { logSets: [], hosts: [] },
  };
}

export class TokenStore {
  readonly #store: Store;
  /** sha256 of each active token's secret → its principal, as last loaded. */
  #active = new Map<string, Principal>();
  #reloading: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #onReloadError: (err: unknown) => void;

  constructor(store: Store, onReloadError: (err: unknown) => void = () => {}) {
    this.#store = store;
    this.#onReloadError = onReloadError;
  }

  /** Loads the active tokens, then keeps reloading them every TOKEN_CACHE_MS until stop(). */
  async start(): Promise<void> {
    await this.reload();
    this.#timer = setInterval(() => void this.reload().catch(this.#onReloadError), TOKEN_CACHE_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Replaces the snapshot; on failure (store down) the previous one stays in force. */
  reload(): Promise<void> {
    this.#reloading ??= this.#load().finally(() => (this.#reloading = undefined));
    return this.#reloading;
  }

  async #load(): Promise<void> {
    const rows = await this.#store.rows<TokenRow>(`SELECT ${COLUMNS} FROM tokens FINAL WHERE revoked = 0`);
    this.#active = new Map(rows.map((row) => [row.secret_sha256, principalOf(row)]));
  }

  /** Creates a token; the secret is in the answer only. */
  async create(spec: TokenCreate): Promise<{ token: TokenInfo; secret: string }> {
    const secret = `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
    const now = Date.now();
    const row = {
      id: randomBytes(8).toString("hex"),
      name: spec.name,
      role: spec.role,
      // An admin may ingest too (tests, a quick `curl`): what it sends lands in its log set.
      log_set: spec.role === "read" ? "" : (spec.logSet ?? "default"),
      read_log_sets: spec.role === "read" ? (spec.readLogSets ?? []) : [],
      read_hosts: spec.role === "read" ? (spec.readHosts ?? []) : [],
      secret_sha256: sha256(secret),
      created: chTime(now),
      revoked: chTime(0),
      version: rowVersion(now),
    };
    await this.#store.client.insert({ table: "tokens", values: [row], format: "JSONEachRow" });
    const { created: _c, revoked: _r, version: _v, ...rest } = row;
    const stored = { ...rest, role: spec.role as Role, created_ms: String(now), revoked_ms: "0" };
    this.#active.set(row.secret_sha256, principalOf(stored));
    return { token: infoOf(stored), secret };
  }

  /** Every token, newest first; `active` only those not revoked. */
  async list({ active = false }: { active?: boolean } = {}): Promise<TokenInfo[]> {
    const rows = await this.#store.rows<TokenRow>(
      `SELECT ${COLUMNS} FROM tokens FINAL ${active ? "WHERE revoked = 0" : ""} ORDER BY created DESC, id`,
    );
    return rows.map(infoOf);
  }

  /**
   * Revokes a token by id, effective at once on this aggregator and within TOKEN_CACHE_MS on any
   * other sharing the store. The last active admin token is refused (LastAdminToken).
   */
  async revoke(id: string): Promise<TokenInfo> {
    const [row] = await this.#store.rows<TokenRow>(
      `SELECT ${COLUMNS} FROM tokens FINAL WHERE id = {id:String}`,
      {
        id,
      },
    );
    if (!row) throw new NotFound(`no token with id "${id}"; \`fleetscope token list\` shows them`);
    const info = infoOf(row);
    if (info.revoked) return info;
    if (row.role === "admin") {
      const admins = (await this.list({ active: true })).filter((t) => t.role === "admin");
      if (admins.length <= 1)
        throw new LastAdminToken(
          `token ${id} is the last admin token: revoking it would leave nobody able to manage tokens; create another admin token first (fleetscope token create --role admin)`,
        );
    }
    const now = Date.now();
    const { created_ms, revoked_ms: _r, ...rest } = row;
    await this.#store.client.insert({
      table: "tokens",
      values: [
        { ...rest, created: chTime(Number(created_ms)), revoked: chTime(now), version: rowVersion(now) + 1 },
      ],
      format: "JSONEachRow",
    });
    this.#active.delete(row.secret_sha256);
    return { ...info, revoked: new Date(now).toISOString() };
  }

  /**
   * The principal a presented secret stands for, or null when it is unknown or revoked. The map is
   * keyed by the secret's SHA-256, so how long a lookup takes says nothing about the secret.
   */
  verify(secret: string): Principal | null {
    return this.#active.get(sha256(secret)) ?? null;
  }
}
