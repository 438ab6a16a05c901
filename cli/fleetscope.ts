#!/usr/bin/env node
// The one fleetscope command. Node runs this TypeScript directly (type stripping, Node ≥ 22.18).
//
// Node's compile cache first: it keeps each module's type-stripped and compiled code on disk, so
// once warm a process neither loads the TypeScript stripper nor compiles its modules again
// (measured: `fleetscope top`'s modules load in 100 MiB of RSS instead of 127). The cache is the
// user's own directory, not the shared temp one Node picks by default, because a cached module is
// code this process runs (as root, for the collector). NODE_COMPILE_CACHE still chooses another
// directory, NODE_DISABLE_COMPILE_CACHE=1 turns it off, and a directory that cannot be written
// (a read-only home) only costs the saving. Nothing else is imported before it is on.
import { enableCompileCache } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
enableCompileCache(process.env.NODE_COMPILE_CACHE || join(cacheHome, "fleetscope", "node-compile-cache"));
await import("./program.ts");
