// The admin API's tokens: what creating one takes, what a listed token shows (never its secret or
// hash), and the one answer that carries a secret — the creation's, shown once.
import { type Static, Type } from "@sinclair/typebox";

/** Log set and host names: what a scope may name (no spaces, quotes or control characters). */
export const NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";
export const NAME_RE = new RegExp(NAME_PATTERN);

export const ROLES = ["ingest", "read", "admin"] as const;

const ScopeName = (description: string) => Type.String({ pattern: NAME_PATTERN, description });

export const TokenCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: "who or what holds it (shown in lists)" }),
    role: Type.String({
      enum: [...ROLES],
      description: "ingest: send batches; read: query the API; admin: everything, tokens included",
    }),
    logSet: Type.Optional(
      ScopeName("ingest: the log set every record it sends is tagged with (default: default)"),
    ),
    readLogSets: Type.Optional(
      Type.Array(ScopeName("a log set"), {
        maxItems: 100,
        description: "read: the log sets it may see (default: all)",
      }),
    ),
    readHosts: Type.Optional(
      Type.Array(ScopeName("a host name"), {
        maxItems: 1000,
        description: "read: the hosts it may see (default: all)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type TokenCreate = Static<typeof TokenCreate>;

export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String({ enum: [...ROLES] }),
  logSet: Type.String(),
  readLogSets: Type.Array(Type.String()),
  readHosts: Type.Array(Type.String()),
  created: Type.String({ description: "RFC 3339" }),
  revoked: Type.Union([Type.String(), Type.Null()], { description: "RFC 3339 when revoked, else null" }),
});
export type TokenInfo = Static<typeof TokenInfo>;

export const TokenCreated = Type.Object({
  token: TokenInfo,
  secret: Type.String({ description: "the bearer token; shown only in this answer, stored hashed" }),
});
export type TokenCreated = Static<typeof TokenCreated>;

export const TokensAnswer = Type.Object({ count: Type.Integer(), tokens: Type.Array(TokenInfo) });
export type TokensAnswer = Static<typeof TokensAnswer>;

export const TokenParams = Type.Object({
  id: Type.String({ description: "the token's id (not its secret)" }),
});
