import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { answers } from "../../../protocol/api/ops.ts";
import {
  TokenCreate,
  TokenCreated,
  TokenInfo,
  TokenParams,
  TokensAnswer,
} from "../../../protocol/api/tokens.ts";
import { principalOf } from "../../auth/principal.ts";
import { LastAdminToken } from "../../auth/tokens.ts";
import type { ApiDeps } from "../deps.ts";
import { HttpError } from "../http-error.ts";

/** The admin API of tokens (the auth hook lets only admin tokens through). */
export async function tokensRoutes(fastify: FastifyInstance, { tokens }: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    "/api/v1/tokens",
    {
      schema: {
        summary: "Create a token (admin); its secret is in this answer only",
        tags: ["admin"],
        body: TokenCreate,
        response: answers(TokenCreated),
      },
    },
    async (req) => {
      const created = await tokens.create(req.body);
      req.log.info(
        { id: created.token.id, role: created.token.role, by: principalOf(req).tokenId },
        "token created",
      );
      return created;
    },
  );

  app.get(
    "/api/v1/tokens",
    {
      schema: {
        summary: "Every token, revoked ones included, without secrets (admin)",
        tags: ["admin"],
        response: answers(TokensAnswer),
      },
    },
    async () => {
      const list = await tokens.list();
      return { count: list.length, tokens: list };
    },
  );

  app.delete(
    "/api/v1/tokens/:id",
    {
      schema: {
        summary: "Revoke a token (admin); the last admin token cannot be revoked",
        tags: ["admin"],
        params: TokenParams,
        response: answers(TokenInfo),
      },
    },
    async (req) => {
      try {
        const revoked = await tokens.revoke(req.params.id);
        req.log.info({ id: revoked.id, by: principalOf(req).tokenId }, "token revoked");
        return revoked;
      } catch (err) {
        if (err instanceof LastAdminToken) throw new HttpError(409, err.message);
        throw err;
      }
    },
  );
}
