// The journal of a simulated host: a journal directory written by the real systemd-journal-remote
// (Debian's systemd-journal-remote) from export-format entries, under a machine id of its own.
// Mounted as a container's /var/log/journal with that id as its /etc/machine-id, it is what a
// plain `journalctl` there reads as the local machine's journal.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const JOURNAL_REMOTE =
  process.env.FLEETSCOPE_TEST_JOURNAL_REMOTE ?? "/lib/systemd/systemd-journal-remote";

export interface JournalEntry {
  message: string;
  identifier: string;
  /** Syslog priority, 0 (emerg) … 7 (debug). */
  priority: number;
  /** An earlier boot's entry (its own boot id, an hour ago) instead of this boot's, stamped now. */
  earlierBoot?: boolean;
}

export interface HostJournal {
  machineId: string;
  /** The directory to mount as /var/log/journal (it holds `<machineId>/remote.journal`). */
  journalDir: string;
  /** A file holding the machine id, to mount as /etc/machine-id. */
  machineIdFile: string;
}

/** Writes `entries` (stamped now, from `hostName`) as the journal of a new machine under `dir`. */
export async function writeHostJournal(
  dir: string,
  hostName: string,
  entries: JournalEntry[],
): Promise<HostJournal> {
  const machineId = randomBytes(16).toString("hex");
  const journalDir = join(dir, "journal");
  const machineIdFile = join(dir, "machine-id");
  await mkdir(join(journalDir, machineId), { recursive: true });
  await writeFile(machineIdFile, `${machineId}\n`);
  const journal = { machineId, journalDir, machineIdFile };
  await appendHostJournal(journal, hostName, entries);
  return journal;
}

/** The id of the earlier boot entries are written under (any id but this one's). */
const EARLIER_BOOT_ID = randomBytes(16).toString("hex");

/** Appends `entries` to a host journal written by writeHostJournal (systemd-journal-remote adds to its file). */
export async function appendHostJournal(journal: HostJournal, hostName: string, entries: JournalEntry[]) {
  const input = join(journal.journalDir, `entries-${randomBytes(4).toString("hex")}.export`);
  await writeFile(input, exportFormat(hostName, journal.machineId, await currentBootId(), entries));
  await run(JOURNAL_REMOTE, [
    `--output=${join(journal.journalDir, journal.machineId, "remote.journal")}`,
    input,
  ]);
  await rm(input);
}

/**
 * This kernel's boot id (shared by its containers). Entries must carry it: `journalctl --follow`
 * (252) shows only the current boot's entries.
 */
async function currentBootId(): Promise<string> {
  return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim().replaceAll("-", "");
}

/** The journal export format: one `FIELD=value` a line, a blank line after each entry. */
function exportFormat(hostName: string, machineId: string, bootId: string, entries: JournalEntry[]): string {
  const micros = BigInt(Date.now()) * 1000n;
  return entries
    .map((e, i) => {
      const at = String(micros + BigInt(i) - (e.earlierBoot ? 3_600_000_000n : 0n));
      const fields = {
        __REALTIME_TIMESTAMP: at,
        _SOURCE_REALTIME_TIMESTAMP: at,
        _HOSTNAME: hostName,
        _MACHINE_ID: machineId,
        _BOOT_ID: e.earlierBoot ? EARLIER_BOOT_ID : bootId,
        SYSLOG_IDENTIFIER: e.identifier,
        PRIORITY: String(e.priority),
        MESSAGE: e.message,
      };
      if (Object.values(fields).some((v) => v.includes("\n")))
        throw new Error("export format text fields are one line each");
      return `${Object.entries(fields)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")}\n\n`;
    })
    .join("");
}
