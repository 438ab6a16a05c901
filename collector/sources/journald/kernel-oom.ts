// The kernel's own account of an OOM kill, read from its journal lines (_TRANSPORT=kernel). One
// kill prints, in this order (Linux 6.x, cgroup v1 and v2 alike; fixture in test/fixtures/incidents):
//   memory: usage 16384kB, limit 16384kB, failcnt 0
//   oom-kill:constraint=CONSTRAINT_MEMCG,…,task_memcg=/docker/<id>,task=tail,pid=23107,uid=0
//   Memory cgroup out of memory: Killed process 23107 (tail) total-vm:18080kB, anon-rss:15872kB, …
// Docker's `oom` event says only that something in the container hit its limit; these lines say
// which process died and how much memory the cgroup used at that moment.
import type { EventRecord, LogRecord } from "../../../protocol/records.ts";
import type { ContainerInventory } from "../../docker/inventory.ts";

const USAGE = /^memory: usage (\d+)kB, limit (\d+)kB/;
const OOM_KILL = /^oom-kill:(.*)$/;
const KILLED = /Killed process (\d+) \(([^)]*)\)(.*)$/;
/** A container id inside a cgroup path: /docker/<id>, /system.slice/docker-<id>.scope … */
const CONTAINER_IN_CGROUP = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?$/;

interface Pending {
  usageBytes?: number;
  limitBytes?: number;
  fields?: Record<string, string>;
}

/** Follows kernel journal lines and turns each completed OOM kill into one event. */
export class KernelOomReader {
  #pending: Pending = {};

  /** Feed every journal record in order; returns the kill event when a record completes one. */
  observe(rec: LogRecord, inventory?: ContainerInventory): EventRecord | undefined {
    if (rec.attributes["journal.transport"] !== "kernel") return undefined;
    const body = rec.body;
    const usage = USAGE.exec(body);
    if (usage) {
      this.#pending = { usageBytes: Number(usage[1]) * 1024, limitBytes: Number(usage[2]) * 1024 };
      return undefined;
    }
    const kill = OOM_KILL.exec(body);
    if (kill) {
      this.#pending.fields = parseFields(kill[1] as string);
      return undefined;
    }
    const killed = KILLED.exec(body);
    if (!killed) return undefined;
    const pending = this.#pending;
    this.#pending = {};
    return toKillEvent(rec, killed, pending, inventory);
  }
}

function toKillEvent(
  rec: LogRecord,
  [, pid, process, rest]: RegExpExecArray,
  pending: Pending,
  inventory?: ContainerInventory,
): EventRecord {
  const fields: Record<string, string> = (pending.fields?.pid === pid && pending.fields) || {};
  const memcg = fields.task_memcg ?? fields.oom_memcg ?? "";
  const containerId = CONTAINER_IN_CGROUP.exec(memcg)?.[1] ?? "";
  const known = containerId ? inventory?.get(containerId) : undefined;
  const attributes: Record<string, string> = { pid: pid as string, process: process as string };
  if (memcg) attributes.memcg = memcg;
  if (fields.constraint) attributes.constraint = fields.constraint;
  if (pending.usageBytes !== undefined) attributes.usageBytes = String(pending.usageBytes);
  if (pending.limitBytes !== undefined) attributes.limitBytes = String(pending.limitBytes);
  for (const [, key, kb] of (rest ?? "").matchAll(/([a-z-]+):(\d+)kB/g))
    attributes[`${camel(key as string)}Bytes`] = String(Number(kb) * 1024);
  return {
    kind: "event",
    time: rec.time,
    host: rec.host,
    type: "kernel",
    action: "oom-kill",
    containerId,
    containerName: known?.name ?? "",
    image: known?.image ?? "",
    exitCode: null,
    attributes,
  };
}

/** `constraint=CONSTRAINT_MEMCG,nodemask=(null),…,pid=1,uid=0` → fields. */
function parseFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
