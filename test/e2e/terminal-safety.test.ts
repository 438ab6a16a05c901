// Stored text cannot drive the terminal it is shown on. Every field a sender controls — a
// container's name and image, a host name, a syslog identifier, a unit, a process's name and
// command line, a log body, an event's attributes — here carries OSC 0 (window title), OSC 52
// (clipboard), OSC 8 (hyperlink), ESC[2J (clear screen), BEL and C1 controls; each CLI command and
// each TUI view shows them, made visible by the one safe renderer, and writes no control byte but
// its own colours.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetRecord } from "../../protocol/records.ts";
import type { ViewId } from "../../tui/views/registry.ts";
import { runCli } from "../helpers/cli.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { getJson, useAggregator } from "../helpers/stack.ts";
import { containerId, syntheticFleet } from "../helpers/synthetic-fleet.ts";
import { renderTop } from "../helpers/tui.ts";

/** Title, clipboard, hyperlink, clear screen, bell, C1 CSI and NEL, and a bidi override. */
const EVIL =
  "\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\x1b]8;;http://x.test/\x07link\x1b]8;;\x07\x1b[2J\x07\x9b31m\x85\u202e";
const HOST = `evil-host${EVIL}`;
const NAME = `evil-name${EVIL}`;
const ID = containerId(HOST, NAME);

// SGR (colours, bold) is the renderers' own; everything else would be the data's (tab and newline
// move the cursor only as text does).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const SGR = /\x1b\[[0-9;]*m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** `text` has no control character but newlines and SGR, and shows the data (made visible). */
function expectSafe(where: string, text: string, shows = "pwned"): void {
  const bare = text.replace(SGR, "");
  const at = bare.search(CONTROL);
  expect({ where, control: at < 0 ? "" : JSON.stringify(bare.slice(Math.max(0, at - 30), at + 10)) }).toEqual(
    {
      where,
      control: "",
    },
  );
  expect({ where, shows: bare.includes(shows) }).toEqual({ where, shows: true });
}

function records(): FleetRecord[] {
  const fleet = syntheticFleet([
    {
      host: HOST,
      name: NAME,
      image: `evil-image${EVIL}`,
      fate: "oom",
      limitMiB: 16,
      lines: [`evil-body${EVIL}`],
    },
    { host: HOST, name: `evil-runner${EVIL}`, image: `evil-image${EVIL}`, cpu: 0.5 },
  ]);
  for (const r of fleet) {
    if (r.kind === "process") {
      r.command = `evil-cmd${EVIL}`.slice(0, 64);
      r.cmdline = `evil-cmdline${EVIL} --flag`;
      r.user = `evil-user${EVIL}`;
    }
    if (r.kind === "event") r.attributes = { name: NAME, signal: `evil-attr${EVIL}` };
  }
  const now = Date.now();
  const journal = (unit: string, identifier: string, body: string, s: number) =>
    logRecord({
      time: new Date(now - 90_000 + s * 1000).toISOString(),
      host: HOST,
      source: "journald",
      unit,
      identifier,
      body,
      severityNumber: 17,
      severityText: "ERROR",
      seq: s,
    });
  return [
    ...fleet,
    journal(`evil-unit${EVIL}.service`, `evil-ident${EVIL}`, `evil-journal${EVIL}`, 1),
    journal("", `evil-ident${EVIL}`, `evil-only-ident${EVIL}`, 2),
    journal(
      `evil-failed${EVIL}.service`,
      "systemd",
      `evil-failed${EVIL}.service: Failed with result 'exit-code'.`,
      3,
    ),
  ];
}

describe("what a terminal shows of stored text", () => {
  const agg = useAggregator("terminal-safety");
  beforeAll(async () => {
    await postBatch(agg.url, records());
    // The OOM death is detected as an incident: the incidents command and view list it.
    await getJson(agg.url, "/api/v1/incidents?since=1h");
  });

  const cli = (...args: string[]) => runCli([...args, "--url", agg.url]);
  const COMMANDS: [string, string[]][] = [
    ["logs", ["logs", "--since", "1h"]],
    ["logs of the container", ["logs", "--since", "1h", `container:${ID.slice(0, 12)}`]],
    ["why", ["why", ID.slice(0, 12)]],
    ["events", ["events", "--since", "1h"]],
    ["incidents", ["incidents", "--since", "1h"]],
    ["ps -a", ["ps", "-a"]],
    ["inspect", ["inspect", ID.slice(0, 12)]],
    ["stats", ["stats", "--no-stream", "-a"]],
  ];

  it.each(COMMANDS)("fleetscope %s writes no control byte of the data", async (what, args) => {
    const r = await cli(...args);
    expect({ what, code: r.code, stderr: r.stderr.replace(SGR, "") }).toMatchObject({ what, code: 0 });
    expectSafe(`${what} (stdout)`, r.stdout);
    expectSafe(`${what} (stderr)`, r.stderr, "");
  });

  it.each(COMMANDS)("fleetscope %s -o json escapes what would drive a terminal", async (what, args) => {
    const r = await cli(...args, "-o", "json");
    expect(r.code).toBe(0);
    expectSafe(`${what} -o json`, r.stdout);
  });

  const VIEWS: [ViewId, Record<string, string>][] = [
    ["containers", {}],
    ["hosts", {}],
    ["top-processes", {}],
    ["logs", {}],
    ["events", {}],
    ["incidents", {}],
    ["processes", { container: ID, containerName: NAME, host: HOST }],
    ["why", { container: ID, containerName: NAME, host: HOST }],
    ["inspect", { container: ID, containerName: NAME, host: HOST }],
  ];
  const tops: ReturnType<typeof renderTop>[] = [];
  afterAll(() => {
    for (const t of tops) t.unmount();
  });

  it.each(VIEWS)("the %s view of fleetscope top writes no control byte of the data", async (view, ctx) => {
    const top = renderTop(agg.url, { view, ctx, columns: 200, rows: 50 });
    tops.push(top);
    await top.until("evil-");
    for (const frame of top.frames) expectSafe(`${view} view`, frame, "");
    expectSafe(`${view} view`, top.lastFrame() ?? "", "evil-");
    top.unmount();
  });
});
