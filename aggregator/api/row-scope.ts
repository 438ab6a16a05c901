// What a request may read, from its principal. The auth hook (auth/hook.ts) sets `req.principal`
// on every route but /healthz, which reads only the store's health, as the aggregator itself.

import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { COLLECTOR_ID_HEADER, INSTANCE_HEADER } from "../../protocol/batch.ts";
import { type Principal, principalOf } from "../auth/principal.ts";
import type { BatchSender } from "../ingest/ingest.ts";
import { isRestricted, type RowScope, UNRESTRICTED, withRowScope } from "../query/scope.ts";

const AGGREGATOR_ITSELF: Principal = {
  tokenId: "aggregator",
  name: "aggregator",
  role: "admin",
  logSet: "default",
  scope: { logSets: [], hosts: [] },
};

/**
 * The request's principal. Without one only on /healthz; anywhere else a missing principal is a
 * route the auth hook did not guard, and it fails rather than read as anyone.
 */
export function requestPrincipal(req: FastifyRequest): Principal {
  if (!req.principal && req.routeOptions.url === "/healthz") return AGGREGATOR_ITSELF;
  return principalOf(req);
}

/**
 * The rows a principal may read: an admin everything, a reader its scope. An ingest token is
 * refused by the auth hook before any read; were one to get through, it sees only its log set.
 */
export function rowScopeOf(p: Principal): RowScope {
  if (p.role === "admin") return UNRESTRICTED;
  if (p.role === "ingest") return { logSets: [p.logSet], hosts: [] };
  return { logSets: p.scope.logSets, hosts: p.scope.hosts };
}

/** Whether the request's reader is limited to some log sets or hosts. */
export const isRestrictedReader = (req: FastifyRequest) => isRestricted(rowScopeOf(requestPrincipal(req)));

/**
 * preHandler hook: the handler (and every query it runs) reads in the principal's scope. Run in
 * the done callback so the async context reaches the handler.
 */
export function enterRowScope(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  withRowScope(rowScopeOf(requestPrincipal(req)), done);
}

/**
 * Who a batch is from: its token, the log set its rows go to (an admin's go to 'default') and
 * the collector that sends it, when it says (older collectors do not).
 */
export function batchSenderOf(req: FastifyRequest): BatchSender {
  const p = requestPrincipal(req);
  const id = req.headers[COLLECTOR_ID_HEADER];
  const instance = req.headers[INSTANCE_HEADER];
  const named = typeof id === "string" && typeof instance === "string" && id !== "" && instance !== "";
  return {
    tokenId: p.tokenId,
    logSet: p.role === "admin" ? "default" : p.logSet,
    ...(named ? { collector: { id: id.slice(0, 200), instance: instance.slice(0, 64) } } : {}),
  };
}
