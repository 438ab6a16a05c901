// How the collector's Node is started, where a flag cannot be set from inside the process: V8
// sizes its heap before any code runs (v8.setFlagsFromString of a semi-space size has no effect).

/**
 * Node options every collector unit and manifest in deploy/ sets (NODE_OPTIONS), and the overhead
 * bench starts the collector with. The young generation is capped at a few MiB: on its own, V8
 * lets it grow to 48 MiB (three 16 MiB semi-spaces) after the bursts of allocation each sampling
 * round makes, and keeps it — about 40 MiB of the idle collector's RSS with 100 containers,
 * measured, for no CPU the bench could tell apart from noise.
 */
export const COLLECTOR_NODE_OPTIONS = "--max-semi-space-size=2";
