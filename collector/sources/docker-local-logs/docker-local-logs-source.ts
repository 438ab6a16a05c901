// Container output from Docker's `local` log driver. Its files are an internal format, so they are
// read through the API: GET /containers/{id}/logs?follow=1&timestamps=1&since=… per running
// container. The cursor is, per container, the timestamp of the last emitted line and how many
// lines carried exactly that timestamp: `since` is inclusive, so a restart asks from that time and
// skips that many, neither re-reading nor skipping a line.
//
// Limits: a container removed (`docker rm`) before its last lines were read loses them, as the
// driver deletes its files with the container; lines of the same stream with the same
// nanosecond timestamp are told apart only by their order.

import type Docker from "dockerode";
import type { LogRecord } from "../../../protocol/records.ts";
import type { ContainerInfo } from "../../docker/container-info.ts";
import { DEFAULT_MAX_LINE_BYTES } from "../../pipeline.ts";
import { TRUNCATED_BYTES_ATTRIBUTE } from "../../processors/truncate.ts";
import type { Source, SourceContext } from "../source.ts";
import { LogStreamParser, type StreamLine } from "./log-stream.ts";
import { DOCKER_LOCAL_INPUT } from "./metrics.ts";

/** Per container: the last emitted line's time and how many lines had exactly that time. */
export type LocalLogCursor = Record<string, LocalPosition>;
export interface LocalPosition {
  time: string;
  n: number;
}

/** Saved positions of containers not in the inventory are kept this long, then dropped. */
const UNCLAIMED_CURSOR_TTL_MS = 10 * 60_000;
/** A stream that ended while the container still looked running is reopened after this. */
const REOPEN_MS = 500;

interface Followed {
  stream: NodeJS.ReadableStream | undefined;
  done: Promise<void>;
}

export class DockerLocalLogSource implements Source {
  readonly name = "docker-local";
  readonly #docker: Docker;
  readonly #maxLineBytes: number;
  readonly #followed = new Map<string, Followed>();
  readonly #positions = new Map<string, LocalPosition>();
  #savedUntil = 0;
  #ctx: SourceContext | undefined;
  #stopping = false;

  constructor(docker: Docker, { maxLineBytes = DEFAULT_MAX_LINE_BYTES }: { maxLineBytes?: number } = {}) {
    this.#docker = docker;
    this.#maxLineBytes = maxLineBytes;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    for (const [id, pos] of Object.entries(readLocalCursor(ctx.cursor))) this.#positions.set(id, pos);
    this.#savedUntil = Date.now() + UNCLAIMED_CURSOR_TTL_MS;
    ctx.inventory.on("change", this.#onChange);
    ctx.inventory.on("removed", this.#onRemoved);
    for (const info of ctx.inventory.list()) this.#onChange(info);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#ctx?.inventory.off("change", this.#onChange);
    this.#ctx?.inventory.off("removed", this.#onRemoved);
    const all = [...this.#followed.values()];
    for (const f of all) destroy(f.stream);
    await Promise.all(all.map((f) => f.done));
  }

  readonly #onChange = (info: ContainerInfo): void => {
    if (info.logDriver !== "local" || this.#stopping || this.#followed.has(info.id)) return;
    const f: Followed = { stream: undefined, done: Promise.resolve() };
    this.#followed.set(info.id, f);
    f.done = this.#follow(info.id, f).finally(() => this.#followed.delete(info.id));
  };

  readonly #onRemoved = (info: ContainerInfo): void => {
    destroy(this.#followed.get(info.id)?.stream);
    this.#positions.delete(info.id);
  };

  /** Follows one container's logs across its restarts, until it stops for good or is removed. */
  async #follow(id: string, f: Followed): Promise<void> {
    const ctx = this.#ctx as SourceContext;
    const container = this.#docker.getContainer(id);
    while (!this.#stopping) {
      try {
        const tty = (await container.inspect()).Config.Tty === true;
        const from = this.#positions.get(id);
        f.stream = await container.logs({
          follow: true,
          stdout: true,
          stderr: true,
          timestamps: true,
          since: from ? toSince(from.time) : 0,
        });
        if (this.#stopping) destroy(f.stream);
        await this.#read(id, f.stream, tty, from);
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (this.#stopping || status === 404) return;
        ctx.log.warn({ err: String(err), containerId: id }, "reading local-driver logs failed; retrying");
      }
      const info = ctx.inventory.get(id);
      if (this.#stopping || !info || info.state !== "running") return;
      await new Promise((r) => setTimeout(r, REOPEN_MS)); // it died just now, or restarted: look again
    }
  }

  async #read(id: string, stream: NodeJS.ReadableStream, tty: boolean, from: LocalPosition | undefined) {
    const ctx = this.#ctx as SourceContext;
    // One byte over the limit, so the pipeline sees the line is too long and marks it.
    const parser = new LogStreamParser({ tty, maxLineBytes: this.#maxLineBytes + 1 });
    let skip = from ? from.n : 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const records: LogRecord[] = [];
      for (const line of parser.push(chunk)) {
        if (skip > 0 && from && line.time === from.time) {
          skip--; // emitted before the restart
          continue;
        }
        skip = 0;
        records.push(this.#toRecord(id, line));
      }
      if (parser.malformed > 0) {
        ctx.skippedInput?.(DOCKER_LOCAL_INPUT.invalidFrame, parser.malformed);
        ctx.log.warn({ containerId: id, count: parser.malformed }, "skipped malformed log frames");
        parser.malformed = 0;
      }
      if (records.length > 0 && !this.#stopping) await ctx.emit(records, this.#cursor());
    }
    // The stream ended (the container stopped): a line cut short is shipped as it is.
    const rest = parser.end().map((l) => this.#toRecord(id, l));
    if (rest.length > 0 && !this.#stopping) await ctx.emit(rest, this.#cursor());
  }

  /** Maps a line and moves the container's position past it. */
  #toRecord(id: string, line: StreamLine): LogRecord {
    const ctx = this.#ctx as SourceContext;
    const pos = this.#positions.get(id);
    const n = pos && pos.time === line.time ? pos.n + 1 : 1;
    this.#positions.set(id, { time: line.time, n });
    const info = ctx.inventory.get(id);
    return {
      kind: "log",
      time: line.time,
      host: ctx.host,
      source: this.name,
      stream: line.stream,
      unit: "",
      identifier: "",
      pid: 0,
      severityNumber: 0,
      severityText: "",
      body: line.body,
      attributes: line.truncated ? { [TRUNCATED_BYTES_ATTRIBUTE]: String(line.bytes) } : {},
      seq: n - 1,
      containerId: id,
      containerName: info?.name ?? "",
      image: info?.image ?? "",
    };
  }

  /** A fresh object every time: the pipeline holds on to it until the batch is spooled. */
  #cursor(): LocalLogCursor {
    const ctx = this.#ctx as SourceContext;
    const prune = Date.now() > this.#savedUntil;
    const out: LocalLogCursor = {};
    for (const [id, pos] of this.#positions) {
      if (prune && !this.#followed.has(id) && !ctx.inventory.get(id)) this.#positions.delete(id);
      else out[id] = { ...pos };
    }
    return out;
  }
}

/** Docker's `since` takes `<seconds>.<nanoseconds>`; RFC 3339 is what it wrote. */
export function toSince(time: string): string {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!m) return "0";
  const seconds = Math.floor(Date.parse(`${m[1]}Z`) / 1000);
  return `${seconds}.${(m[2] ?? "").padEnd(9, "0")}`;
}

/** Accepts only well-formed entries of a saved cursor. */
export function readLocalCursor(raw: unknown): LocalLogCursor {
  const out: LocalLogCursor = {};
  if (typeof raw !== "object" || raw === null) return out;
  for (const [id, v] of Object.entries(raw)) {
    const p = v as Partial<LocalPosition> | null;
    if (
      p &&
      typeof p.time === "string" &&
      toSince(p.time) !== "0" &&
      Number.isSafeInteger(p.n) &&
      (p.n as number) > 0
    )
      out[id] = { time: p.time, n: p.n as number };
  }
  return out;
}

function destroy(stream: NodeJS.ReadableStream | undefined): void {
  (stream as { destroy?: () => void } | undefined)?.destroy?.();
}
