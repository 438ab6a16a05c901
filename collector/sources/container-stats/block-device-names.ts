import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContainerSnapshot } from "../../../protocol/cadvisor/snapshot.ts";
import type { DeviceIoStats } from "../../../protocol/records.ts";

/**
 * Names block devices like cAdvisor's `device` label (`/dev/vda`) from
 * /sys/dev/block/<major:minor>/uevent DEVNAME; cached, the major:minor itself when unknown.
 */
export class BlockDeviceNames {
  readonly #sysRoot: string;
  readonly #names = new Map<string, string>();

  constructor(sysRoot = "/sys") {
    this.#sysRoot = sysRoot;
  }

  /** Looks up the devices not seen before. */
  async resolve(snapshots: readonly ContainerSnapshot[]): Promise<void> {
    const unknown = new Set<string>();
    for (const s of snapshots)
      for (const d of s.sample.devices ?? []) if (!this.#names.has(d.device)) unknown.add(d.device);
    await Promise.all(
      [...unknown].map(async (dev) => {
        let name = dev;
        try {
          const uevent = await readFile(join(this.#sysRoot, "dev", "block", dev, "uevent"), "utf8");
          const m = /^DEVNAME=(.+)$/m.exec(uevent);
          if (m?.[1]) name = `/dev/${m[1].trim()}`;
        } catch {
          // not a block device sysfs knows (or /sys not mounted): keep major:minor
        }
        this.#names.set(dev, name);
      }),
    );
  }

  readonly name = (d: DeviceIoStats): string => this.#names.get(d.device) ?? d.device;
}
