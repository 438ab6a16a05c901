// The one way the commands that read the aggregator's API (logs, why, ps, stats, events,
// incidents, inspect) talk to it, and the one place their failures become messages a person can
// act on: the aggregator down, a URL that is not an aggregator, or the API's own error.
import { type Command, Option } from "commander";
import {
  type ApiClient,
  ApiError,
  createApiClient,
  describeBody,
  NotAnAggregator,
  type Params,
  Unreachable,
} from "../tui/api-client.ts";
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

/**
 * `client`, checking each answer has `key` (`containers`, `logs` …): a JSON answer without it
 * comes from some other service at that URL, and reading on would fail with a TypeError.
 */
export function expecting(client: ApiClient, key: string): ApiClient {
  return {
    url: client.url,
    async get<T>(path: string, params: Params = {}): Promise<T> {
      const body = await client.get<Record<string, unknown>>(path, params);
      if (!(key in body))
        throw new NotAnAggregator(
          client.url,
          path,
          200,
          describeBody("application/json", JSON.stringify(body)),
        );
      return body as T;
    },
  };
}

/** GET `path`, whose answer has `key` (see `expecting`). */
export const getAnswer = <T>(client: ApiClient, path: string, params: Params, key: string): Promise<T> =>
  expecting(client, key).get<T>(path, params);

/** Worth retrying while following: the aggregator is restarting, or a proxy cannot reach it yet. */
export function isTransient(err: unknown): boolean {
  return err instanceof Unreachable || (err instanceof ApiError && [502, 503, 504].includes(err.status));
}

/** Any failure of a command → what to print (after "fleetscope: "). */
export function explain(err: unknown): string {
  if (err instanceof Unreachable)
    return `${err.message}; is \`fleetscope up\` or \`fleetscope aggregator\` running there? (--url, FLEETSCOPE_URL)`;
  if (err instanceof ApiError && (err.status === 401 || err.status === 403))
    return `${err.message} (--token, FLEETSCOPE_TOKEN)`;
  return err instanceof Error ? err.message : String(err);
}
