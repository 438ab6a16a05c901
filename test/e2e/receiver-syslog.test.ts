// Docker's `--log-driver syslog` into `fleetscope up`: for each transport and format Docker
// offers, a container's numbered stdout and stderr lines are all stored under its name, in
// order, with their stream. (tcp+tls with octet counting: test/integration/syslog-docker-tls.test.ts.)
import { createConnection } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "../../protocol/api/logs.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { containerLines, numbersOf, printLinesScript } from "../helpers/numbered-lines.ts";
import { freePort, getJson, metricTotal, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const OUT = 300;
const ERR = 100;

const CASES = [
  { transport: "udp", format: "rfc3164", tag: undefined },
  { transport: "udp", format: "rfc5424", tag: "{{.Name}}" },
  { transport: "tcp", format: "rfc5424micro", tag: "{{.ImageName}}/{{.Name}}/{{.ID}}" },
  { transport: "tcp", format: "rfc3164", tag: undefined },
] as const;

type Row = LogLine & { severityText: string; attributes: Record<string, string> };

describe("syslog receiver with Docker's syslog log driver", () => {
  const names = CASES.map((c) => uniqueName(`syslog-${c.transport}-${c.format}`));
  const extra: string[] = [];
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    extra.push("--syslog-listen", `127.0.0.1:${port}`);
  });
  const up = useUpStack("syslog", names, extra);

  it.each(CASES.map((c, i) => ({ ...c, name: names[i] as string })))(
    "stores every line of a container logging over $transport $format",
    async ({ transport, format, tag, name }) => {
      const script = `${printLinesScript(`${name} out`, OUT)}; ${printLinesScript(`${name} err`, ERR, { stderr: true })}`;
      const opts = [`syslog-address=${transport}://127.0.0.1:${port}`, `syslog-format=${format}`];
      if (tag) opts.push(`tag=${tag}`);
      await docker(
        "run",
        "--name",
        name,
        "--log-driver",
        "syslog",
        ...opts.flatMap((o) => ["--log-opt", o]),
        BUSYBOX,
        "sh",
        "-c",
        script,
      );

      const rows = (await waitFor("all lines stored", async () => {
        const r = await containerLines(up.url, name);
        return r.length >= OUT + ERR ? r : undefined;
      })) as Row[];
      expect(rows).toHaveLength(OUT + ERR);
      expect(new Set(rows.map((r) => `${r.source} ${r.containerName} ${r.containerId.length}`))).toEqual(
        new Set([`syslog ${name} 64`]),
      );
      const out = rows.filter((r) => r.stream === "stdout");
      const err = rows.filter((r) => r.stream === "stderr");
      expect(numbersOf(out, `${name} out`)).toEqual(Array.from({ length: OUT }, (_, i) => i + 1));
      expect(numbersOf(err, `${name} err`)).toEqual(Array.from({ length: ERR }, (_, i) => i + 1));
      // Docker's severity encodes the stream only (info / err): kept as an attribute, not as a level.
      expect(new Set(out.map((r) => `${r.severityNumber} ${r.attributes["syslog.severity"]}`))).toEqual(
        new Set(["0 info"]),
      );
      expect(new Set(err.map((r) => `${r.severityNumber} ${r.attributes["syslog.severity"]}`))).toEqual(
        new Set(["0 err"]),
      );
    },
  );

  it("counts a malformed frame in /metrics and keeps the connection for the lines after it", async () => {
    const marker = uniqueName("syslog-malformed");
    const socket = createConnection(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    // RFC 3164 carries local time without a year: send the current one, so the line lies
    // inside the query's window whatever the time of day.
    socket.write(`<14>${rfc3164Stamp(new Date())} host probe[1]: ${marker} before\n`);
    socket.write("this line has no syslog header\n");
    for (let i = 1; i <= 3; i++) socket.write(`<11>1 - host probe 1 - - ${marker} after ${i}\n`);
    await waitFor(
      "the bad frame counted",
      async () =>
        (await metricTotal(up.url, "fleetscope_collector_input_rejected_total", 'component="syslog"')) === 1,
    );
    const rows = await waitFor("the lines after it stored", async () => {
      const { logs } = await getJson<{ logs: Row[] }>(up.url, `/api/v1/logs?q=${marker}&since=1h`);
      return logs.length >= 4 ? logs.reverse() : undefined;
    });
    socket.end();
    expect(rows.map((r) => r.body)).toEqual([
      `${marker} before`,
      ...[1, 2, 3].map((i) => `${marker} after ${i}`),
    ]);
    // Not a container: the protocol's severity is the line's level.
    expect(rows.map((r) => r.severityText)).toEqual(["INFO", "ERROR", "ERROR", "ERROR"]);
  });

  it("logged no failed connection or error while Docker came and went", () => {
    expect(up.proc.stderr + up.proc.stdout).not.toMatch(/syslog: connection failed|"level":50/);
  });
});

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** `Nov 22 05:00:00` in local time, as an RFC 3164 sender writes it. */
function rfc3164Stamp(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const day = String(d.getDate()).padStart(2, " ");
  return `${MONTHS[d.getMonth()]} ${day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
