// `fleetscope top` in a real terminal (tmux): a container logs a marker and is OOM-killed; typed
// keys find it, open its logs (the marker), open Why (OOM, exit 137), go back and quit, and the
// terminal shows the shell again.
import { afterAll, describe, expect, it } from "vitest";
import { runUntilOomKilled, uniqueName } from "../helpers/docker.ts";
import { getJson, REPO, useUpStack } from "../helpers/stack.ts";
import { Tmux } from "../helpers/tmux.ts";
import { waitFor } from "../helpers/wait.ts";

describe("fleetscope top under tmux", () => {
  const name = uniqueName("tui");
  const marker = `tui-marker-${name.slice(-8)}`;
  const up = useUpStack("tui-tmux", [name]);
  const term = new Tmux();
  afterAll(() => term.kill());

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
      `${process.execPath} ${REPO}/cli/fleetscope.ts top --url ${up.url} --interval 1s; echo "top exited $?"`,
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
});
