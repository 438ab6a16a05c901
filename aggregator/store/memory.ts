// The embedded store's memory bound (--store-memory). Left alone, chDB sizes itself for a server
// that owns the machine: 0.9 × RAM for all its work and 5 GiB for each of its mark and index
// caches. One number bounds all of it here; the caches get fixed shares of it, so that what they
// hold can never crowd the inserts and queries out of the bound. Loads no chDB: the CLI reads the
// default from here.

/** The default bound: twice a read's own default bound (--query-memory), so a read leaves room for ingest. */
export const DEFAULT_STORE_MEMORY = 4 * 1024 ** 3;

/** Below this chDB cannot even apply the migrations of an empty store. */
export const MIN_STORE_MEMORY = 128 * 1024 ** 2;

/**
 * ClickHouse server settings for a bound of `bytes`: the whole (max_server_memory_usage, past
 * which a query or insert fails with MEMORY_LIMIT_EXCEEDED rather than the process growing), the
 * merges' share, and each cache's share (about a third of the bound for all of them together).
 */
export function serverMemorySettings(bytes: number): Record<string, number> {
  const share = (divisor: number) => Math.floor(bytes / divisor);
  return {
    max_server_memory_usage: Math.floor(bytes),
    merges_mutations_memory_usage_soft_limit: share(2),
    mark_cache_size: share(8),
    index_mark_cache_size: share(32),
    primary_index_cache_size: share(32),
    text_index_postings_cache_size: share(16),
    text_index_tokens_cache_size: share(32),
    text_index_header_cache_size: share(32),
    vector_similarity_index_cache_size: share(64),
    query_condition_cache_size: share(64),
    compiled_expression_cache_size: share(64),
  };
}

/** The settings as the engine's command-line arguments, the only way chDB takes server settings. */
export function serverMemoryArgs(bytes: number): string[] {
  return Object.entries(serverMemorySettings(bytes)).map(([name, value]) => `--${name}=${value}`);
}

/**
 * Why a bound cannot work, or undefined when it can: under the minimum, or below what one read
 * may use (--query-memory), which the store would then never let a read reach.
 */
export function storeMemoryProblem(bytes: number, queryMemoryBytes: number): string | undefined {
  if (!Number.isFinite(bytes) || bytes < MIN_STORE_MEMORY)
    return `--store-memory must be at least ${MIN_STORE_MEMORY >> 20}MiB (the store cannot run in less)`;
  if (queryMemoryBytes > bytes)
    return `--query-memory (${queryMemoryBytes} bytes) is above --store-memory (${bytes} bytes): one read may not use more than the whole store; lower --query-memory or raise --store-memory`;
  return undefined;
}
