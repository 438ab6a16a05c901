// Docker's syslog driver names the container only through its `tag` log option: by default the
// 12-hex short id, or what the user templated (`{{.Name}}`, `{{.ImageName}}/{{.Name}}/{{.ID}}` …).
// A tag is split on `/` (container names and ids have none) and each part tried against the
// inventory as an id prefix, then as a name.
//
// A container's first lines can arrive before the inventory has inspected it (its `create`
// event is handled asynchronously), so `settle` lets a batch with unknown tags wait a little for
// the inventory to catch up — once per tag, so that tags that are not containers at all (a
// host's own syslog) cost one short wait every RECHECK_MS, not one per line.
import type { ContainerRef } from "../../../protocol/records.ts";
import type { ContainerInventory } from "../../docker/inventory.ts";
import { resolveContainer } from "../identity.ts";

const HEX_ID = /^[0-9a-f]{12}$|^[0-9a-f]{64}$/;
const RECHECK_MS = 30_000;
/** Caches are cleared when they reach this many tags (a sender inventing tags must not grow them). */
const MAX_TAGS = 10_000;

export class ContainerTags {
  readonly #inventory: ContainerInventory;
  readonly #known = new Map<string, ContainerRef | null>();
  /** Tags that stayed unknown after a wait, and until when not to wait for them again. */
  readonly #waited = new Map<string, number>();
  readonly #forget = () => this.#known.clear();

  constructor(inventory: ContainerInventory) {
    this.#inventory = inventory;
    inventory.on("change", this.#forget);
    inventory.on("removed", this.#forget);
  }

  close(): void {
    this.#inventory.off("change", this.#forget);
    this.#inventory.off("removed", this.#forget);
  }

  /** The container a tag names, or undefined when it names none we can tell. */
  lookup(tag: string): ContainerRef | undefined {
    let ref = this.#known.get(tag);
    if (ref === undefined) {
      if (this.#known.size >= MAX_TAGS) this.#known.clear();
      ref = this.#resolve(tag);
      this.#known.set(tag, ref);
    }
    return ref ?? undefined;
  }

  /** Waits up to `waitMs` for the inventory to learn the containers of tags it does not know yet. */
  async settle(tags: Iterable<string>, waitMs: number): Promise<void> {
    const now = Date.now();
    const unknown = [...new Set(tags)].filter(
      (t) => t !== "" && !this.#inventoryKnows(t) && !this.#recent(t, now),
    );
    const deadline = now + waitMs;
    let left = unknown;
    while (left.length > 0 && Date.now() < deadline) {
      await this.#nextChange(deadline - Date.now());
      left = left.filter((t) => !this.#inventoryKnows(t));
    }
    if (this.#waited.size + left.length > MAX_TAGS) this.#waited.clear();
    for (const t of left) this.#waited.set(t, Date.now() + RECHECK_MS);
  }

  #recent(tag: string, now: number): boolean {
    return (this.#waited.get(tag) ?? 0) > now;
  }

  #inventoryKnows(tag: string): boolean {
    const ref = this.lookup(tag);
    return ref !== undefined && ref.containerId.length === 64;
  }

  #nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#inventory.off("change", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#inventory.on("change", done);
    });
  }

  #resolve(tag: string): ContainerRef | null {
    const parts = tag.split("/").filter((p) => p !== "");
    for (const id of parts.filter((p) => HEX_ID.test(p))) {
      const ref = resolveContainer(this.#inventory, { id });
      if (ref.containerName !== "") return ref;
    }
    for (const name of parts) {
      const ref = resolveContainer(this.#inventory, { name });
      if (ref.containerId !== "") return ref;
    }
    // Not (yet) in the inventory: a hex id still says "container", as in `{{.ImageName}}/{{.Name}}/{{.ID}}`.
    const at = parts.findLastIndex((p) => HEX_ID.test(p));
    if (at < 0) return null;
    const image = parts.slice(0, Math.max(0, at - 1)).join("/");
    return resolveContainer(this.#inventory, { id: parts[at], name: at > 0 ? parts[at - 1] : "", image });
  }
}
