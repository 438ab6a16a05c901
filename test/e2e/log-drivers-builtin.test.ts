// The built-in drivers read from this node: journald (the journal, identity from the driver's
// CONTAINER_NAME / CONTAINER_ID_FULL fields) and json-file (the log files). For each: N numbered
// lines per stream, all stored in order under the container's name with the right stream; level
// words and structured fields become severity and attributes; unsafe text is stored as written;
// an oversized line is cut with a marker and counted; a Java trace is joined (--multiline auto).
import { describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { bothStreamsScript, containerLines, numbersByStream, oneTo } from "../helpers/numbered-lines.ts";
import { fixtureText, LOG_FIXTURES } from "../helpers/producer-lines.ts";
import { useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 200;
const MAX_LINE = 4096;

type Row = LogLine & { severityText: string; attributes: Record<string, string> };

const EXTRA = [
  `echo 'level=error msg="disk full" code=507'`,
  `echo '{"level":"warn","msg":"slow request","http":{"status":503}}'`,
  `echo 'plain stderr line' >&2`,
];

describe.each(["json-file", "journald"])("the %s log driver", (driver) => {
  const name = uniqueName(`builtin-${driver.replace("-", "")}`);
  const marker = `marker-${name}`;
  const up = useUpStack(
    `builtin-${driver}`,
    [name],
    ["--max-line-size", String(MAX_LINE), "--multiline", "auto"],
  );
  let rows: Row[] = [];

  it("stores N numbered lines per stream under the container's name, in order, with the stream", async () => {
    const script = [
      bothStreamsScript(marker, N),
      ...EXTRA,
      `printf 'ctl a\\000b\\001c\\033[31mred \\377 end\\n'`,
      `awk 'BEGIN{s=""; for(i=0;i<10000;i++) s=s "y"; print s}'`,
      "cat /f/java-trace.txt >&2",
      `echo '${marker} last'`,
    ].join("; ");
    const mount = `${LOG_FIXTURES.pathname}:/f:ro`;
    await docker("run", "--log-driver", driver, "--name", name, "-v", mount, BUSYBOX, "sh", "-c", script);
    rows = await waitFor("every line stored", async () => {
      const r = (await containerLines(up.url, name)) as Row[];
      return r.some((x) => x.body === `${marker} last`) && r.length >= 2 * N + 7 ? r : undefined;
    });
    expect(new Set(rows.map((r) => `${r.containerName} ${r.source}`))).toEqual(
      new Set([`${name} ${driver === "journald" ? "journald" : "docker-json"}`]),
    );
    expect(rows.every((r) => r.containerId.length === 64)).toBe(true);
    expect(numbersByStream(rows, marker)).toEqual({ stdout: oneTo(N), stderr: oneTo(N) });
  });

  it("derives severity from level fields and words, and keeps structured fields as attributes", () => {
    const byBody = (prefix: string) => rows.find((r) => r.body.startsWith(prefix)) as Row;
    const error = byBody("level=error");
    expect([error.severityNumber, error.severityText]).toEqual([17, "ERROR"]);
    expect(error.attributes).toMatchObject({ level: "error", msg: "disk full", code: "507" });
    const warn = byBody('{"level":"warn"');
    expect([warn.severityNumber, warn.severityText]).toEqual([13, "WARN"]);
    expect(warn.attributes).toMatchObject({ level: "warn", msg: "slow request", "http.status": "503" });
    // stderr alone is not a level.
    expect(byBody("plain stderr line")).toMatchObject({ stream: "stderr", severityNumber: 0 });
    expect(byBody(`${marker} err 1`).severityNumber).toBe(0);
  });

  it("stores control characters and NUL as written, invalid UTF-8 as U+FFFD", () => {
    expect(rows.map((r) => r.body)).toContain("ctl a\u0000b\u0001c\u001b[31mred \ufffd end");
  });

  it("cuts a line above --max-line-size with a marker, its size and a counter", async () => {
    const long = rows.find((r) => r.body.startsWith("yyyy")) as Row;
    expect(Buffer.byteLength(long.body)).toBeLessThanOrEqual(MAX_LINE);
    expect(long.body).toMatch(/^y+…\[truncated by fleetscope\]$/);
    expect(long.attributes["fleetscope.truncated_bytes"]).toBe("10000");
    const source = driver === "journald" ? "journald" : "docker-json";
    const metrics = await (await apiFetch(up.url, "/metrics")).text();
    const re = new RegExp(`^fleetscope_collector_truncated_lines_total\\{source="${source}"\\} (\\d+)$`, "m");
    expect(Number(re.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  });

  it("joins the Java stack trace into one record (--multiline auto)", () => {
    const trace = fixtureText("java-trace.txt").trimEnd();
    const joined = rows.find((r) => r.body.startsWith("Exception in thread")) as Row;
    expect(joined).toMatchObject({ body: trace, stream: "stderr", severityNumber: 17 });
    expect(joined.attributes["fleetscope.multiline_lines"]).toBe(String(trace.split("\n").length));
    expect(rows.filter((r) => r.body.startsWith("\tat "))).toEqual([]);
  });
});
