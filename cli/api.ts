// How the commands that read the aggregator's API (logs, why, ps, stats, events, incidents,
// inspect) reach it (--url, --token), and the one place their failures become messages a person
// can act on: the aggregator down, a URL that is not an aggregator, or the API's own error. The
// requests themselves are client/api-client.ts's.
import { type Command, Option } from "commander";
import { type ApiClient, ApiError, createApiClient, Unreachable } from "../client/api-client.ts";
import { DEFAULT_LISTEN, parseUrl } from "./options.ts";

export interface ApiFlags {
  url: string;
  token?: string;
}

/** --url and --token, as every API command takes them. */
export function withApiOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--url <url>", "aggregator API")
        .env("FLEETSCOPE_URL")
        .default(`http://${DEFAULT_LISTEN}`)
        .argParser(parseUrl),
    )
    .addOption(new Option("--token <token>", "sent as Authorization: Bearer").env("FLEETSCOPE_TOKEN"));
}

export const apiClient = (f: ApiFlags): ApiClient => createApiClient(f.url, f.token);

/** Any failure of a command → what to print (after "fleetscope: "). */
export function explain(err: unknown): string {
  if (err instanceof Unreachable)
    return `${err.message}; is \`fleetscope up\` or \`fleetscope aggregator\` running there? (--url, FLEETSCOPE_URL)`;
  if (err instanceof ApiError && (err.status === 401 || err.status === 403))
    return `${err.message} (--token, FLEETSCOPE_TOKEN)`;
  return err instanceof Error ? err.message : String(err);
}
