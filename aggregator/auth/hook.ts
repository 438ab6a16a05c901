// Every request but /healthz passes here before anything else runs, its body included: the Host
// check, then the bearer token and the role its route needs. What it decides is `req.principal`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AggregatorMetrics } from "../metrics.ts";
import { type AllowedHosts, hostAllowed } from "./host-check.ts";
import type { Role } from "./principal.ts";
import type { TokenStore } from "./tokens.ts";

export interface AuthOptions {
  tokens: TokenStore;
  allowedHosts: AllowedHosts;
  metrics: AggregatorMetrics;
}

/** Routes anyone may call: a load balancer's or orchestrator's liveness probe holds no token. */
const OPEN = new Set(["/healthz"]);

/** Parameters a client might put a token in: refused, so it never sits in access logs or history. */
const TOKEN_PARAMETERS = ["token", "access_token"];

const HOW_TO_GET_ONE =
  "send 'Authorization: Bearer <token>'; an admin creates tokens with `fleetscope token create`, and on the aggregator's machine the admin token is in <data dir>/admin.token (the CLI finds it there, or takes --token-file / FLEETSCOPE_TOKEN_FILE or FLEETSCOPE_TOKEN)";

/**
 * The roles that may call a route (its pattern, `/api/v1/tokens/:id`): ingest to send, admin for
 * tokens, read (or admin) for the rest.
 */
export function rolesFor(path: string): readonly Role[] | undefined {
  if (OPEN.has(path)) return undefined;
  if (path === "/api/v1/ingest") return ["ingest", "admin"];
  if (path === "/api/v1/tokens" || path.startsWith("/api/v1/tokens/")) return ["admin"];
  return ["read", "admin"];
}

const WHAT_ROLE_DOES: Record<Role, string> = {
  ingest: "send batches",
  read: "read the API",
  admin: "manage tokens",
};

/** `Bearer x`, `bearer x`, `BEARER x` → x; another scheme or none → undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? "")?.[1];
}

function deny(req: FastifyRequest, reply: FastifyReply, status: number, error: string): FastifyReply {
  // A refused upload is not read: closing spares the server draining a body nobody will use.
  if (Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"])
    reply.header("connection", "close");
  if (status === 401) reply.header("www-authenticate", 'Bearer realm="fleetscope"');
  return reply.code(status).send({ error, statusCode: status });
}

/** Installs the check on `app` (an onRequest hook: it runs before the body is read). */
export function registerAuth(app: FastifyInstance, { tokens, allowedHosts, metrics }: AuthOptions): void {
  app.addHook("onRequest", async (req, reply) => {
    const url = new URL(req.url, "http://x");
    // The route fastify matched, not the raw path: the router decodes `%74okens` to `tokens`, so
    // judging the raw path would let a read token reach an admin route. No route: the path.
    const path = req.routeOptions.url ?? url.pathname;
    const fail = (reason: string, status: number, error: string) => {
      metrics.authFailures.inc({ reason });
      if (path === "/api/v1/ingest") metrics.batches.inc({ outcome: "unauthorized" });
      return deny(req, reply, status, error);
    };
    if (!hostAllowed(allowedHosts, req.headers.host))
      return fail(
        "host",
        421,
        `this aggregator does not answer for host "${req.headers.host}": requests must name it by one of its own names (DNS rebinding protection); add the name to --allowed-hosts (FLEETSCOPE_ALLOWED_HOSTS)`,
      );
    if (TOKEN_PARAMETERS.some((p) => url.searchParams.has(p)))
      return fail(
        "token_in_url",
        400,
        "tokens go in the Authorization header ('Authorization: Bearer <token>'), never in the URL: URLs are kept in access logs and shell history; remove the token parameter",
      );
    const roles = rolesFor(path);
    if (!roles) return;
    const header = req.headers.authorization;
    if (!header) return fail("missing", 401, `${path} needs a token: ${HOW_TO_GET_ONE}`);
    const secret = bearerToken(header);
    if (!secret)
      return fail("scheme", 401, `the Authorization header must be 'Bearer <token>': ${HOW_TO_GET_ONE}`);
    const principal = tokens.verify(secret);
    if (!principal) return fail("invalid", 401, `the token is unknown or revoked: ${HOW_TO_GET_ONE}`);
    if (!roles.includes(principal.role))
      return fail(
        "forbidden",
        403,
        `token "${principal.name}" has the ${principal.role} role, which cannot ${WHAT_ROLE_DOES[roles[0] as Role]}: ${path} needs a token with the ${roles.join(" or ")} role`,
      );
    req.principal = principal;
  });
}
