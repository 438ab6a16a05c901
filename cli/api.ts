// How the commands that read the aggregator's API (logs, why, ps, stats, events, incidents,
// inspect, top, token) reach it (--url, and a token: --token-file, FLEETSCOPE_TOKEN or a local
// data directory's admin.token), and the one place their failures become messages a person can
// act on: the aggregator down, a URL that is not an aggregator, a refused token, or the API's own
// error. The requests themselves are client/api-client.ts's.
import { type Command, Option } from "commander";
import { type ApiClient, ApiError, createApiClient, type Params, Unreachable } from "../client/api-client.ts";
import { type Credentials, resolveCredentials } from "../client/credentials.ts";
import { DEFAULT_LISTEN, opt, parseAggregatorUrl, rejectTokenInArgv } from "./options.ts";

export interface ApiFlags {
  url: string;
  tokenFile?: string;
  data: string;
}

/** --url, --token-file and --data (whose admin.token is the last resort), as every API command takes them. */
export function withApiOptions(cmd: Command): Command {
  return rejectTokenInArgv(
    cmd
      .addOption(
        new Option("--url <url>", "aggregator API")
          .env("FLEETSCOPE_URL")
          .default(`http://${DEFAULT_LISTEN}`)
          .argParser(parseAggregatorUrl),
      )
      .addOption(opt.tokenFile("file holding the API token (else FLEETSCOPE_TOKEN, else <data>/admin.token)"))
      .addOption(
        opt.data(
          "data directory of a local `fleetscope up` or `aggregator`, whose admin.token is used when no token is given",
        ),
      ),
  );
}

/** Refused tokens (401/403) are reported with where the token came from. */
export class TokenRefused extends ApiError {}

/** The credentials the flags name (see client/credentials.ts for the order). */
export const credentialsOf = (f: ApiFlags): Credentials =>
  resolveCredentials({ tokenFile: f.tokenFile, dataDir: f.data });

/** A client of the API the flags name, whose 401/403 errors say which token was sent. */
export function apiClient(f: ApiFlags): ApiClient {
  const credentials = credentialsOf(f);
  return withTokenHint(createApiClient(f.url, credentials.token), credentials);
}

/** `client`, adding to a refusal of the token where it came from. */
export function withTokenHint(client: ApiClient, credentials: Credentials): ApiClient {
  const hint = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403))
        throw new TokenRefused(err.status, `${err.message} [sent: ${credentials.source}]`);
      throw err;
    });
  return {
    url: client.url,
    get: <T>(path: string, params?: Params) => hint(client.get<T>(path, params)),
    send: <T>(method: "POST" | "DELETE", path: string, body?: unknown) =>
      hint(client.send<T>(method, path, body)),
  };
}

/** Any failure of a command → what to print (after "fleetscope: "). */
export function explain(err: unknown): string {
  if (err instanceof Unreachable)
    return `${err.message}; is \`fleetscope up\` or \`fleetscope aggregator\` running there? (--url, FLEETSCOPE_URL)`;
  return err instanceof Error ? err.message : String(err);
}
