// What a Loki tail reads: the newest lines of a selector to start with, then every line after a
// cursor, oldest first. The cursor is the last line sent, as its full sort position (time, then
// host, container id, source and seq, which tell two lines of one nanosecond apart), so each read
// asks for what lies strictly after it: no line twice, none passed over, and no set of lines
// already sent to keep (the CLI's -f keeps one because the API it reads has only an inclusive since).
import type { LokiStream } from "../../protocol/api/loki.ts";
import type { Store } from "../store/store.ts";
import { LABEL_SELECT, lineLabels, selectorConditions, streamsOf, type Window } from "./logql.ts";
import type { LogSelector } from "./logql-parse.ts";
import { toChTime } from "./window.ts";

/** Where a tail stands: after the line at this position, or (no tie) at this time inclusive. */
export interface TailCursor {
  ns: bigint;
  tie?: { host: string; containerId: string; source: string; seq: string };
}

// `sq`, not `seq`: an alias of the column's own name would replace it in the ORDER BY and the cursor.
type TailRow = Record<string, string> & { ns: string; body: string; cid: string; sq: string };

/** A read of a tail: its lines grouped into streams, and the cursor after its last line. */
export interface TailPage {
  streams: LokiStream[];
  lines: number;
  cursor: TailCursor;
}

const ORDER = "time, host, container_id, source, seq";

const SELECT = `SELECT toString(toUnixTimestamp64Nano(time)) AS ns, body, ${LABEL_SELECT},
  container_id AS cid, toString(seq) AS sq FROM logs`;

/** The newest `limit` lines of the window, sent oldest first; the cursor after the newest. */
export async function tailBacklog(
  store: Store,
  sel: LogSelector,
  w: Window,
  limit: number,
): Promise<TailPage> {
  const where = await selectorConditions(store, sel, w);
  const desc = ORDER.split(", ")
    .map((c) => `${c} DESC`)
    .join(", ");
  const rows = await store.rows<TailRow>(`${SELECT} ${where.sql()} ORDER BY ${desc} LIMIT {limit:UInt32}`, {
    ...where.params,
    limit,
  });
  return pageOf(rows.reverse(), { ns: w.startNs }, sel);
}

/** Up to `limit` lines after the cursor and at or before `untilNs`, oldest first. */
export async function tailAfter(
  store: Store,
  sel: LogSelector,
  cursor: TailCursor,
  untilNs: bigint,
  limit: number,
): Promise<TailPage> {
  const where = await selectorConditions(store, sel, { startNs: cursor.ns, endNs: untilNs });
  if (cursor.tie)
    where.add(
      `(${ORDER}) > ({ct:DateTime64(9, 'UTC')}, {ch:String}, {cc:String}, {cs:String}, {cq:UInt64})`,
      {
        ct: toChTime(cursor.ns),
        ch: cursor.tie.host,
        cc: cursor.tie.containerId,
        cs: cursor.tie.source,
        cq: cursor.tie.seq,
      },
    );
  const rows = await store.rows<TailRow>(`${SELECT} ${where.sql()} ORDER BY ${ORDER} LIMIT {limit:UInt32}`, {
    ...where.params,
    limit,
  });
  return pageOf(rows, cursor, sel);
}

/** Rows (oldest first) as streams, and the cursor after the last (or `cursor` when none came). */
function pageOf(rows: TailRow[], cursor: TailCursor, sel: LogSelector): TailPage {
  const last = rows.at(-1);
  return {
    streams: streamsOf(rows.map((r) => ({ ns: r.ns, body: r.body, labels: lineLabels(r, sel) }))),
    lines: rows.length,
    cursor: last
      ? {
          ns: BigInt(last.ns),
          tie: { host: last.host ?? "", containerId: last.cid, source: last.source ?? "", seq: last.sq },
        }
      : cursor,
  };
}
