// An embedded store (real chDB) on a temp directory for one test file, as useAggregator gives an
// aggregator: opened before the file's tests, closed and removed after.
import pino from "pino";
import { afterAll, beforeAll } from "vitest";
import { Store } from "../../aggregator/store/store.ts";
import { tempDir } from "./stack.ts";

export function useEmbeddedStore(prefix: string): { readonly store: Store } {
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    dir = await tempDir(prefix);
    store = await Store.open({ dataDir: dir.path, retentionDays: 30, log: pino({ level: "silent" }) });
  });
  afterAll(async () => {
    await store?.close();
    await dir?.remove();
  });
  return {
    get store() {
      if (!store) throw new Error("the store is not open yet");
      return store;
    },
  };
}
