import { setFlagsFromString } from "node:v8";
import { type Command, Option } from "commander";
import { type ApiFlags, apiClient, withApiOptions } from "../api.ts";
import { parseDurationArg } from "../options.ts";

interface TopFlags extends ApiFlags {
  host?: string;
  container?: string;
  view: string;
  interval: number;
}

/**
 * top sits on a terminal for hours redrawing a small screen, so it runs lean. React's development
 * build (what loads when NODE_ENV is unset) keeps a stack and a timing for every element of every
 * render: about 40 % of top's idle CPU. And V8 grows its young generation (to 32 MiB semi-spaces)
 * for the garbage each redraw leaves, 50–100 MiB of top's RSS; kept at its first size it
 * collects more often, each time cheaply, since almost nothing a poll makes outlives the next one.
 * The growth factor, unlike the semi-space size, is still read after start-up. Both must be set
 * before ink and React load.
 */
function leanRuntime(): void {
  process.env.NODE_ENV = "production";
  setFlagsFromString("--semi-space-growth-factor=1");
}

export function registerTop(program: Command): void {
  const cmd = program
    .command("top")
    .description(
      "the fleet in a terminal, csysdig/htop-style: hosts, containers, processes, logs, events, incidents, why (? for keys)",
    );
  withApiOptions(cmd)
    .addOption(new Option("--host <name>", "start on this host").env("FLEETSCOPE_HOST"))
    .addOption(
      new Option("--container <name>", "start on this container (name, id or id prefix)").env(
        "FLEETSCOPE_CONTAINER",
      ),
    )
    .addOption(
      new Option(
        "--view <view>",
        "first view: containers, hosts, top-processes, logs, events, incidents (processes, why, inspect with --container)",
      )
        .env("FLEETSCOPE_VIEW")
        .default("containers"),
    )
    .addOption(
      new Option("--interval <duration>", "refresh every")
        .env("FLEETSCOPE_INTERVAL")
        .default(2000, "2s")
        .argParser(parseDurationArg),
    )
    .action(async (f: TopFlags) => {
      if (!process.stdout.isTTY)
        throw new Error(
          "top needs a terminal (stdout is not one); for scripts use `fleetscope logs` or the API",
        );
      // ink draws only the last frame when it believes it runs in CI (CI=… in the environment,
      // read when ink loads), and chalk draws no colour at all when CI is set, even to "false";
      // on a real terminal the person wants every frame, in colour.
      delete process.env.CI;
      delete process.env.CONTINUOUS_INTEGRATION;
      leanRuntime();
      // ink and React load only here: the other commands start without them. Launching it is
      // cli's one reference into tui/; what both use is in client/.
      const { runTop } = await import("../../tui/run.ts");
      await runTop({ ...f, client: apiClient(f), intervalMs: f.interval });
    });
}
