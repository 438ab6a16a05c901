// One key through one of etcd's HTTP APIs: v3 (its JSON gateway, v3.ts) or v2 (/v2/keys, v2.ts).

export type EtcdApiName = "v2" | "v3";

/** A key's value as read (undefined: not set), and etcd's revision (v3) or index (v2) as of the read. */
export interface KeyRead {
  value: string | undefined;
  revision: number;
}

export interface EtcdKeyApi {
  readonly name: EtcdApiName;
  /** The key now; "unserved" when this etcd does not serve the API (no v3 gateway, v2 not enabled). */
  get(key: string, signal: AbortSignal): Promise<KeyRead | "unserved">;
  /**
   * Resolves at the first change of the key after `revision`, or when etcd can no longer tell
   * (history compacted): either way the caller reads the key again.
   */
  changed(key: string, revision: number, signal: AbortSignal): Promise<void>;
}
