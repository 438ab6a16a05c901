// Runs each request inside a store query context (store/query-context.ts) whose signal fires when
// the client goes away before its answer is sent, so queries nobody waits for are abandoned (and
// queued ones never start) instead of holding the store for the next caller.
import { AsyncResource } from "node:async_hooks";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type QueryContext, withQueryContext } from "../store/query-context.ts";
import { isReadRoute } from "./limits.ts";

export interface RequestContext extends QueryContext {}

const kResource = Symbol("fleetscope.requestContext");

declare module "fastify" {
  interface FastifyRequest {
    [kResource]?: AsyncResource;
  }
}

/** A context whose signal fires when the response is closed before it was finished. */
function contextFor(req: FastifyRequest, reply: FastifyReply): RequestContext {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return { signal: controller.signal, limited: isReadRoute(req.routeOptions.url) };
}

/**
 * Enters the context in onRequest and re-enters it in preValidation: the body is read from socket
 * events, which run outside it (the same way @fastify/request-context does). Not in preHandler:
 * contexts other hooks enter there (the reader's row scope) must stay nested inside this one.
 */
export function installRequestContext(app: FastifyInstance): void {
  app.addHook("onRequest", (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    withQueryContext(contextFor(req, reply), () => {
      req[kResource] = new AsyncResource("fleetscope-request");
      done();
    });
  });
  app.addHook("preValidation", (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const resource = req[kResource];
    if (resource) resource.runInAsyncScope(done);
    else done();
  });
}
