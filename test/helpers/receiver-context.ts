// A SourceContext for driving a receiver in a unit test: records what it emits, counts the input
// it skips (malformed, or dropped at a limit), and lets a test hold `spooled()` open to check that
// acks wait for it.
import { EventEmitter } from "node:events";
import pino from "pino";
import type { ContainerInfo } from "../../collector/docker/container-info.ts";
import type { ContainerInventory, InventoryEvents } from "../../collector/docker/inventory.ts";
import type { SourceContext } from "../../collector/sources/source.ts";
import type { FleetRecord, LogRecord } from "../../protocol/records.ts";

export class FakeInventory extends EventEmitter<InventoryEvents> implements ContainerInventory {
  readonly containers: ContainerInfo[];
  constructor(containers: Partial<ContainerInfo>[] = []) {
    super();
    this.containers = containers as ContainerInfo[];
  }
  list(): ContainerInfo[] {
    return this.containers;
  }
  get(id: string): ContainerInfo | undefined {
    return this.containers.find((c) => c.id === id);
  }
}

export interface ReceiverHarness {
  ctx: SourceContext;
  records: LogRecord[];
  malformed: { count: number };
  warnings: string[];
  /** While set, spooled() waits until it is resolved (see holdSpool). */
  holdSpool(): () => void;
  spooledCalls: { count: number };
}

export function receiverHarness(inventory: ContainerInventory = new FakeInventory()): ReceiverHarness {
  const records: LogRecord[] = [];
  const malformed = { count: 0 };
  const spooledCalls = { count: 0 };
  const warnings: string[] = [];
  let hold: Promise<void> | undefined;
  const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) });
  const ctx: SourceContext = {
    host: "test-host",
    cursor: undefined,
    emit: async (batch: FleetRecord[]) => {
      for (const r of batch) if (r.kind === "log") records.push(r);
    },
    spooled: async () => {
      spooledCalls.count++;
      await hold;
    },
    skippedInput: (_issue, n) => {
      malformed.count += n;
    },
    inventory,
    log,
  };
  return {
    ctx,
    records,
    malformed,
    warnings,
    spooledCalls,
    holdSpool() {
      let release = () => {};
      hold = new Promise<void>((r) => {
        release = () => {
          hold = undefined;
          r();
        };
      });
      return release;
    },
  };
}
