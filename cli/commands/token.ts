// `fleetscope token create|list|revoke`: the admin API of tokens (POST/GET/DELETE /api/v1/tokens),
// sent with an admin token found like every API command's (--token-file, FLEETSCOPE_TOKEN, or a
// local data directory's admin.token).
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  NAME_RE,
  ROLES,
  type TokenCreate,
  type TokenCreated,
  type TokenInfo,
  type TokensAnswer,
} from "../../protocol/api/tokens.ts";
import { type ApiFlags, apiClient, withApiOptions } from "../api.ts";
import { parseKeyList } from "../options.ts";
import { type OutputFormat, outputOption, printJson, printText } from "../output.ts";
import { renderTable, type TextColumn } from "../render/table.ts";

interface CreateFlags extends ApiFlags {
  role: TokenCreate["role"];
  name?: string;
  logSet: string[];
  host: string[];
  output: OutputFormat;
}

/** A comma list of log set or host names, each checked as the API will. */
function parseNames(what: string) {
  return (value: string, previous: string[] = []): string[] => {
    const names = parseKeyList(value);
    const bad = names.find((n) => !NAME_RE.test(n));
    if (bad !== undefined)
      throw new InvalidArgumentError(
        `${what} "${bad}" is not a valid name: a letter or digit, then letters, digits, . _ : - (up to 128)`,
      );
    return [...previous, ...names];
  };
}

/** The scope flags as the API takes them: ingest is bound to one log set, read may be limited. */
function specOf(f: CreateFlags): TokenCreate {
  const name = f.name ?? `${f.role} token`;
  if (f.role === "admin") {
    if (f.logSet.length > 0 || f.host.length > 0)
      throw new Error(
        "an admin token sees and does everything: --log-set and --host apply to read and ingest tokens",
      );
    return { name, role: "admin" };
  }
  if (f.role === "ingest") {
    if (f.host.length > 0)
      throw new Error(
        "--host limits what a read token sees; an ingest token sends for whichever host it runs on",
      );
    if (f.logSet.length > 1)
      throw new Error(`an ingest token tags what it sends with one log set; got ${f.logSet.join(", ")}`);
    return { name, role: "ingest", logSet: f.logSet[0] ?? "default" };
  }
  return { name, role: "read", readLogSets: f.logSet, readHosts: f.host };
}

const scopeText = (t: TokenInfo): string => {
  if (t.role === "ingest") return `log set ${t.logSet}`;
  if (t.role === "admin") return "everything";
  const sets = t.readLogSets.length > 0 ? `log sets ${t.readLogSets.join(",")}` : "all log sets";
  const hosts = t.readHosts.length > 0 ? `hosts ${t.readHosts.join(",")}` : "all hosts";
  return `${sets}; ${hosts}`;
};

const COLUMNS: TextColumn<TokenInfo>[] = [
  { title: "ID", cell: (t) => t.id },
  { title: "NAME", cell: (t) => t.name },
  { title: "ROLE", cell: (t) => t.role },
  { title: "SCOPE", cell: scopeText },
  { title: "CREATED", cell: (t) => t.created.slice(0, 19).replace("T", " ") },
  { title: "REVOKED", cell: (t) => (t.revoked ? t.revoked.slice(0, 19).replace("T", " ") : "-") },
];

export function registerToken(program: Command): void {
  const token = program
    .command("token")
    .description("manage the API's tokens (needs an admin token): create, list, revoke");

  withApiOptions(token.command("create").description("create a token; its secret is printed once, on stdout"))
    .addOption(
      new Option("--role <role>", "ingest: send batches; read: query the API; admin: everything")
        .env("FLEETSCOPE_TOKEN_ROLE")
        .choices([...ROLES])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option("--name <name>", "who or what holds it (shown by token list)").env("FLEETSCOPE_TOKEN_NAME"),
    )
    .addOption(
      new Option(
        "--log-set <names>",
        "ingest: the log set what it sends is tagged with (default: default); read: the log sets it may see (comma list or repeated; default all)",
      )
        .env("FLEETSCOPE_TOKEN_LOG_SET")
        .default([], "none")
        .argParser(parseNames("log set")),
    )
    .addOption(
      new Option("--host <names>", "read: the hosts it may see (comma list or repeated; default all)")
        .env("FLEETSCOPE_TOKEN_HOST")
        .default([], "none")
        .argParser(parseNames("host")),
    )
    .addOption(outputOption("json (the token's record and its secret) for scripts"))
    .action(async (f: CreateFlags) => {
      const created = await apiClient(f).send<TokenCreated>("POST", "/api/v1/tokens", specOf(f));
      if (f.output === "json") return printJson(created);
      printText(created.secret);
      process.stderr.write(
        `created token ${created.token.id} (${created.token.name}; ${created.token.role}; ${scopeText(created.token)}). The secret above is shown only now: keep it in a file (chmod 600) for --token-file.\n`,
      );
    });

  withApiOptions(
    token.command("list").description("every token, revoked ones included (never their secrets)"),
  )
    .addOption(outputOption("json, one token a line, for scripts"))
    .action(async (f: ApiFlags & { output: OutputFormat }) => {
      const { tokens } = await apiClient(f).get<TokensAnswer>("/api/v1/tokens");
      if (f.output === "json") for (const t of tokens) printJson(t);
      else printText(renderTable(COLUMNS, tokens));
    });

  withApiOptions(
    token
      .command("revoke")
      .description(
        "revoke a token by id (token list shows ids): refused at once by this aggregator, within 5 s by others sharing its store; the last admin token cannot be revoked",
      )
      .argument("<id>", "the token's id"),
  ).action(async (id: string, f: ApiFlags) => {
    const revoked = await apiClient(f).send<TokenInfo>("DELETE", `/api/v1/tokens/${encodeURIComponent(id)}`);
    printText(`revoked token ${revoked.id} (${revoked.name}, ${revoked.role})`);
  });
}
