import { initial } from "./001-initial.ts";
import type { Migration } from "./migration.ts";

/** Every migration, oldest first. Add new ones at the end; never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [initial];
