// Shared by the syslog tests: the captured fixtures and a stand-in inventory.
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import pino from "pino";
import type { ContainerInfo } from "../../collector/docker/container-info.ts";
import type { ContainerInventory, InventoryEvents } from "../../collector/docker/inventory.ts";
import { datagramFrame, type Frame, SyslogFramer } from "../../collector/receivers/syslog/framer.ts";
import type { SourceContext } from "../../collector/sources/source.ts";
import type { LogRecord } from "../../protocol/records.ts";

export const FIXTURES = new URL("../fixtures/syslog/", import.meta.url).pathname;

export interface Capture {
  file: string;
  proto: "udp" | "tcp" | "tcp+tls";
  format: string;
  logOpts: string[];
  containerId: string;
  containerName: string;
  image: string;
  datagrams: number[];
}

export const CAPTURES: Capture[] = JSON.parse(readFileSync(`${FIXTURES}/cases.json`, "utf8")).cases;

/** A capture's frames: UDP split at its datagram lengths, TCP through the framer. */
export function framesOf(c: Capture, maxFrame = 64 * 1024): Frame[] {
  const bytes = readFileSync(`${FIXTURES}/${c.file}.bin`);
  if (c.proto !== "udp") return new SyslogFramer(maxFrame).push(bytes).frames;
  const starts = c.datagrams.map((_, i) => c.datagrams.slice(0, i).reduce((a, b) => a + b, 0));
  return c.datagrams.map((n, i) => datagramFrame(bytes.subarray(starts[i], (starts[i] ?? 0) + n), maxFrame));
}

/** An inventory holding the given containers; `add` emits `change` as the real one does. */
export class FakeInventory extends EventEmitter<InventoryEvents> implements ContainerInventory {
  readonly #byId = new Map<string, ContainerInfo>();
  constructor(containers: Partial<ContainerInfo>[] = []) {
    super();
    for (const c of containers) this.add(c);
  }
  add(c: Partial<ContainerInfo>): void {
    const info = { name: "", image: "", logDriver: "syslog", ...c } as ContainerInfo;
    this.#byId.set(info.id, info);
    this.emit("change", info);
  }
  list(): ContainerInfo[] {
    return [...this.#byId.values()];
  }
  get(id: string): ContainerInfo | undefined {
    return this.#byId.get(id);
  }
}

/** A SourceContext that keeps what the receiver emits, counts and logs. */
export function fakeContext(inventory: ContainerInventory = new FakeInventory()) {
  const emits: LogRecord[][] = [];
  const logs: string[] = [];
  const counts = { malformed: 0 };
  const ctx: SourceContext = {
    host: "test-host",
    cursor: undefined,
    emit: async (records) => void emits.push(records as LogRecord[]),
    spooled: async () => undefined,
    inventory,
    log: pino({ level: "debug" }, { write: (line: string) => void logs.push(line) }),
    skippedInput: (_issue, n) => {
      counts.malformed += n;
    },
  };
  return { ctx, emits, logs, counts, records: () => emits.flat() };
}
