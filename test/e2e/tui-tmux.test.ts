// `fleetscope top` in a real terminal (tmux): a container logs a marker and is OOM-killed; typed
// keys find it, open its logs (the marker), open Why (OOM, exit 137), go back and quit, and the
// terminal shows the shell again. Then the small and the big terminal: 80×24 and 200×50. And keys
// typed while top starts: they reach it, and the terminal never echoes them over its screen.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { BUSYBOX, docker, runUntilOomKilled, uniqueName } from "../helpers/docker.ts";
import { getJson, REPO, useUpStack } from "../helpers/stack.ts";
import { Tmux } from "../helpers/tmux.ts";
import { waitFor } from "../helpers/wait.ts";

const execFileP = promisify(execFile);

describe("fleetscope top under tmux", () => {
  const name = uniqueName("tui");
  const marker = `tui-marker-${name.slice(-8)}`;
  // Two containers whose names share the filter: one stays, one is removed while on screen.
  const pair = uniqueName("tui-wide");
  const [stays, goes] = [`${pair}-a`, `${pair}-b`];
  // Started while top starts: keys typed then must not be echoed over its screen.
  const early = uniqueName("tui-early");
  const up = useUpStack("tui-tmux", [name, stays, goes, early]);
  const term = new Tmux();
  const sized = new Tmux();
  const typing = new Tmux();
  afterAll(() => Promise.all([term.kill(), sized.kill(), typing.kill()]));

  it("drills to an OOM-killed container, shows its marker line and why it died, and quits cleanly", async () => {
    await runUntilOomKilled(name, ["sh", "-c", `echo ${marker}; tail /dev/zero`]);
    await waitFor("the death and its line stored", async () => {
      const why = await getJson<{ event: { oomKilled: boolean }; lastLogs: unknown[] }>(
        up.url,
        `/api/v1/why?container=${name}`,
      ).catch(() => undefined);
      return why?.event.oomKilled && why.lastLogs.length > 0;
    });

    await term.start(120, 40);
    await term.until(/^\$/m);
    await term.type(
      `${process.execPath} ${REPO}/cli/fleetscope.ts top --url ${up.url} --data ${up.dataDir} --interval 1s; echo "top exited $?"`,
    );
    await term.press("Enter");
    await term.until(/ containers\s*$/m);
    await term.until("OOM 137");

    await term.type(`/${name}`);
    await term.press("Enter");
    await term.until(`/${name}`); // the filter, in the header
    await term.until(/^›.*OOM 137/m);

    await term.press("l");
    let s = await term.until(marker);
    expect(s).toContain(`containers › logs ${name}`);
    expect(s).toMatch(new RegExp(`stdout ${marker}`));

    await term.press("Escape");
    await term.until(/^›.*OOM 137/m);
    await term.press("w");
    s = await term.until("OOM kill");
    expect(s).toContain(`containers › why ${name}`);
    expect(s).toMatch(/exit code: 137 \(SIGKILL\) +OOMKilled: yes/);
    expect(s).toContain(marker);
    // The kernel's own report, from the journal, names the process it killed.
    s = await term.until(/kernel: +killed tail \(pid \d+\) at 16\.0M of 16\.0M/);

    await term.press("BSpace");
    await term.until(/^›.*OOM 137/m);
    await term.press("q");
    s = await term.until("top exited 0");
    // The alternate screen is gone: the shell and what was typed before are back.
    expect(s).not.toContain("fleetscope top  http");
    expect(s).toContain("cli/fleetscope.ts top --url");
    expect(s.trimEnd().endsWith("$")).toBe(true);
  });

  it("80×24 keeps help and quit in the footer and takes a filter sent with its Enter; 200×50 widens the charts; a removed container shows no rate", async () => {
    for (const n of [stays, goes]) await docker("run", "-d", "--name", n, BUSYBOX, "sleep", "600");
    await sized.start(80, 24);
    await sized.until(/^\$/m);
    await sized.type(
      `${process.execPath} ${REPO}/cli/fleetscope.ts top --url ${up.url} --data ${up.dataDir} --interval 1s; echo "top exited $?"`,
    );
    await sized.press("Enter");
    await sized.until(/ containers\s*$/m);
    let s = await sized.until(/\? help +q quit\s*$/);
    for (const line of s.split("\n")) expect([...line].length).toBeLessThanOrEqual(80);

    await sized.send(`/${pair}`, "Enter"); // one chunk: the text and the Enter
    s = await sized.until(new RegExp(`^ containers +/${pair}\\s*$`, "m"));
    s = await sized.until(/^›.* up \d(.|\n)* up \d/m);
    expect(s).not.toContain(`${pair}█`); // the prompt took the Enter and closed

    await sized.resize(200, 50);
    s = await sized.until(/CPU~ {20,}MEM/);
    expect(s).toContain(` ${stays} `); // the whole name, at most 32 wide
    expect((/NAME( +)STATE/.exec(s)?.[1]?.length ?? 99) + 3).toBeLessThanOrEqual(32);
    expect(s).toMatch(/\? help +q quit\s*$/);

    await docker("rm", "-f", goes);
    s = await sized.until(new RegExp(`${goes} +removed +- +- `));
    expect(s).toMatch(new RegExp(`^›.*${stays} +up `, "m")); // the running one first
    // Dimmed: the removed row is drawn with SGR 2 (faint).
    const styled = (await sized.screen(true)).split("\n").find((l) => l.includes(goes)) ?? "";
    expect(styled).toMatch(new RegExp(`${"\u001b"}\\[(\\d+;)*2(;\\d+)*m`));

    await sized.press("q");
    await sized.until("top exited 0");
  });

  it("keys typed while top starts are never echoed over its screen; a filter and its Enter typed then apply", async () => {
    await docker("run", "-d", "--name", early, BUSYBOX, "sleep", "600");
    await typing.start(80, 24);
    await typing.until(/^\$/m);
    await typing.type(
      `${process.execPath} ${REPO}/cli/fleetscope.ts top --url ${up.url} --data ${up.dataDir} --interval 1s; echo "top exited $?"`,
    );
    const pane = (format: string) => typing.tmux("display-message", "-p", "-t", typing.session, format);
    const tty = (await pane("#{pane_tty}")).trim();
    await typing.press("Enter");
    // From the moment top owns the screen (the alternate screen) until the terminal stops echoing,
    // keys go on being typed (j: move down, harmless here). One echoed then would land on top's
    // screen: after the footer, or before the first frame, pushing the title off its row.
    const onAlternateScreen = async () => (await pane("#{alternate_on}")).trim() === "1";
    await waitFor("top to take the alternate screen", onAlternateScreen, { intervalMs: 5 });
    let echoing = true;
    const typeAway = async () => {
      while (echoing) await typing.send("j");
    };
    const echoStops = waitFor(
      "the terminal to stop echoing",
      async () => /(^|\s)-echo(\s|$)/.test((await execFileP("stty", ["-F", tty, "-a"])).stdout),
      { intervalMs: 0 },
    ).finally(() => {
      echoing = false;
    });
    await Promise.all([typeAway(), echoStops]);
    await typing.send(`/${early}`, "Enter");
    // The whole frame where it belongs: title, breadcrumb with the filter, the row, the footer.
    await typing.until(
      new RegExp(`^ fleetscope top .*\n containers +/${early} *\n.*\n›.+ up \\d(.|\n)*\\? help +q quit\\s*$`),
    );
    await typing.press("q");
    await typing.until("top exited 0");
    // The terminal is handed back as it was: the shell's input echoes again.
    expect((await execFileP("stty", ["-F", tty, "-a"])).stdout).toMatch(/(^|\s)echo(\s|$)/);
  });
});
