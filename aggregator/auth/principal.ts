// Who a request comes from, once its bearer token is checked (auth hook in api/server.ts). Every
// route handler may rely on `req.principal` being set; only /healthz runs without one.
import type { FastifyRequest } from "fastify";

/** What a token may do: send batches (ingest), read the API (read), or everything (admin). */
export type Role = "ingest" | "read" | "admin";

/** Which stored rows a reader may see: empty lists mean "no restriction" on that axis. */
export interface ReadScope {
  logSets: string[];
  hosts: string[];
}

export interface Principal {
  /** Stable id of the token (never the secret): keys per-token limits and dedup scopes. */
  tokenId: string;
  /** The name given at creation, for logs and `token list`. */
  name: string;
  role: Role;
  /** ingest: the log set every record it sends is tagged with. */
  logSet: string;
  /** read: what it may see (admin: everything). */
  scope: ReadScope;
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The checked principal of a request; the auth hook guarantees one on every route but /healthz. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error("request reached a route without passing the auth hook");
  return req.principal;
}
