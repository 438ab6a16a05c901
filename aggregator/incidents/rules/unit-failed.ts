// A systemd unit that failed, from systemd's lines in the journal: one incident per failure.
import { defineRule, type IncidentDraft, idOf, type LogFact, ms } from "../rule.ts";

// systemd's own words for a unit that failed (src/core/unit.c unit_log_process_exit, unit_log_failure).
const RESULT = /Failed with result '([^']+)'/;
const MAIN_EXIT = /Main process exited, code=(exited|killed|dumped), status=(\S+?)(?:,|$| )/;
/** Without invocation ids, a failure's lines lie this close together. */
const SAME_FAILURE_MS = 10_000;

/** A line of a failure: a non-successful main-process exit, or the unit's result. */
function isFailureLine(body: string): boolean {
  if (RESULT.test(body)) return true;
  const exit = MAIN_EXIT.exec(body);
  return exit !== null && !(exit[1] === "exited" && exit[2] === "0/SUCCESS") && !body.endsWith("(success)");
}

const unitOfLine = (l: LogFact) =>
  l.unit || /^([\w@.:\\-]+\.(?:service|socket|timer|mount|scope)):/.exec(l.body)?.[1] || "";

/**
 * systemd reports one failure of a unit in two lines, "Main process exited, …" then "Failed with
 * result '…'" (a result alone for timeouts and the like): they are one failure when they share
 * systemd's INVOCATION_ID, or, without one, follow each other closely; a result line ends it.
 */
function groupFailures(logs: LogFact[]): LogFact[][] {
  const open = new Map<string, { lines: LogFact[]; ended: boolean }>();
  const out: LogFact[][] = [];
  for (const l of logs.filter((x) => isFailureLine(x.body))) {
    const key = `${l.host}\u0000${unitOfLine(l)}`;
    const cur = open.get(key);
    const prev = cur?.lines.at(-1);
    const same =
      cur !== undefined &&
      prev !== undefined &&
      !cur.ended &&
      (prev.invocationId && l.invocationId
        ? prev.invocationId === l.invocationId
        : ms(l.time) - ms(prev.time) <= SAME_FAILURE_MS);
    const group = same ? cur : { lines: [], ended: false };
    if (!same) {
      open.set(key, group);
      out.push(group.lines);
    }
    group.lines.push(l);
    if (RESULT.test(l.body)) group.ended = true;
  }
  return out;
}

/** "its main process exited with status 1/FAILURE", "… was killed by signal 9/KILL" … */
function exitText(code: string, status: string): string {
  if (code === "killed") return `its main process was killed by signal ${status}`;
  if (code === "dumped") return `its main process dumped core (signal ${status})`;
  return `its main process exited with status ${status}`;
}

export const unitFailedRule = defineRule({
  kind: "unit-failed",
  perContainer: false,
  needs: ["unitLogs"],
  settings: {},
  evaluate: ({ unitLogs }) => unitIncidents(unitLogs),
});

/** `logs` oldest first: one incident per failure of a unit. */
export function unitIncidents(logs: LogFact[]): IncidentDraft[] {
  return groupFailures(logs).map((lines) => {
    const first = lines[0] as LogFact;
    const last = lines.at(-1) as LogFact;
    const unit = lines.map(unitOfLine).find((u) => u !== "") ?? "";
    const exit = lines.map((l) => MAIN_EXIT.exec(l.body)).find((m) => m !== null);
    const result = lines.map((l) => RESULT.exec(l.body)?.[1]).find((r) => r !== undefined);
    const what = [
      exit ? exitText(exit[1] as string, exit[2] as string) : "",
      result ? `(result '${result}')` : "",
    ]
      .filter(Boolean)
      .join(" ");
    return {
      id: idOf("unit-failed", first.host, unit, first.time),
      kind: "unit-failed" as const,
      time: first.time,
      ended: last.time,
      status: "resolved" as const,
      host: first.host,
      containerId: "",
      containerName: "",
      image: "",
      unit,
      count: 1,
      summary: `${unit || "a systemd unit"} failed on ${first.host}: ${what}`,
      evidence: {
        lines,
        result: result ?? null,
        exit: exit ? { code: exit[1], status: exit[2] } : null,
        invocationId: lines.find((l) => l.invocationId)?.invocationId ?? null,
      },
    };
  });
}
