import type { ContainerRef } from "../../protocol/records.ts";
import type { ContainerInventory } from "../docker/inventory.ts";

/** What a log driver tells about the sending container: any of a full id, a 12+ hex prefix, a name. */
export interface DriverIdentity {
  id?: string;
  name?: string;
  image?: string;
}

/**
 * Maps what a driver sent to the container's full identity through the inventory (by id, id
 * prefix or name). A container the inventory does not know yet (its `start` event can arrive
 * after its first lines) keeps what the driver sent, so nothing is dropped or misattributed.
 */
export function resolveContainer(inventory: ContainerInventory, sent: DriverIdentity): ContainerRef {
  const id = sent.id?.toLowerCase() ?? "";
  const name = sent.name?.replace(/^\//, "") ?? "";
  const known = inventory
    .list()
    .find((c) => (id.length >= 12 && c.id.startsWith(id)) || (id === "" && name !== "" && c.name === name));
  if (known) return { containerId: known.id, containerName: known.name, image: known.image };
  return { containerId: id, containerName: name, image: sent.image ?? "" };
}
