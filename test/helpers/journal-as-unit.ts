// Writes journal entries the way a process inside a given systemd unit's cgroup would, on a host
// without systemd as PID 1. journald derives the trusted `_SYSTEMD_UNIT` (and `_SYSTEMD_CGROUP`,
// `_SYSTEMD_SLICE`) from the sender's cgroup, so a sender moved into `/init.scope` gets
// `_SYSTEMD_UNIT=init.scope` exactly as systemd's own lines do; `/system.slice/x.service` gives
// `x.service`. The client fields (MESSAGE, UNIT, INVOCATION_ID …) are whatever the caller passes.
//
// journald reads the cgroup from /proc/<pid> when it processes the entry, so the sender must still
// be alive then: it is released only once journalctl shows its entry. The sender is perl (Debian's
// essential perl-base has Socket), because Node cannot send on a Unix datagram socket.
import { execFile, spawn } from "node:child_process";
import { access, mkdir, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { waitFor } from "./wait.ts";

const exec = promisify(execFile);

const JOURNAL_SOCKET = "/run/systemd/journal/socket";
const PERL_SENDER = `
use Socket;
my $msg = "$ENV{FS_JOURNAL_FIELDS}\\n";
socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
send($s, $msg, 0, pack_sockaddr_un("${JOURNAL_SOCKET}")) or die "send: $!";
print "sent\\n";
$| = 1;
<STDIN>;
`;

/** The cgroup hierarchy journald reads units from: the unified one (v2, or hybrid), else name=systemd. */
async function systemdHierarchy(cgroupRoot = "/sys/fs/cgroup"): Promise<string> {
  for (const dir of [cgroupRoot, join(cgroupRoot, "unified")]) {
    try {
      await access(join(dir, "cgroup.controllers"));
      return dir;
    } catch {
      // not a cgroup2 mount
    }
  }
  return join(cgroupRoot, "systemd");
}

/**
 * Sends one native-protocol entry (`fields`, KEY → value, no newlines in values) from a process in
 * the cgroup `cgroupPath` (e.g. "/init.scope", "/system.slice/pay.service"); resolves with the
 * sender's PID once journalctl shows the entry. Needs root and a writable cgroup hierarchy.
 */
export async function sendFromCgroup(cgroupPath: string, fields: Record<string, string>): Promise<number> {
  const dir = join(await systemdHierarchy(), cgroupPath);
  // mkdir -p answers the first directory it made: that one and everything below it go again after.
  const firstCreated = await mkdir(dir, { recursive: true });
  const lines = Object.entries(fields).map(([k, v]) => {
    if (/[\n\0]/.test(v)) throw new Error(`journal field ${k}: newlines and NULs are not supported here`);
    return `${k}=${v}`;
  });
  const child = spawn(
    "sh",
    ["-c", 'echo $$ > "$1/cgroup.procs" && exec perl -e "$2"', "sh", dir, PERL_SENDER],
    {
      env: { ...process.env, FS_JOURNAL_FIELDS: lines.join("\n") },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const pid = child.pid ?? 0;
  try {
    await waitFor(`the journal entry of sender ${pid} (${out})`, async () => {
      if (child.exitCode !== null) throw new Error(`sender exited ${child.exitCode}: ${out}`);
      const { stdout } = await exec("journalctl", ["-o", "json", "--no-pager", `_PID=${pid}`]);
      return stdout.trim() !== "";
    });
  } finally {
    child.stdin.end();
    await exited;
    if (firstCreated) await removeUpTo(dir, firstCreated);
  }
  return pid;
}

/** rmdir `dir` and its parents up to and including `top` (cgroup directories go with rmdir only). */
async function removeUpTo(dir: string, top: string): Promise<void> {
  for (let d = dir; d.startsWith(top); d = dirname(d)) {
    await rmdir(d).catch(() => undefined);
    if (d === top) return;
  }
}
