// Running nixos-rebuild processes anywhere on the machine, found from
// <sysroot>/proc/*/cmdline: the journal only knows the builds of runs
// recorded in one state directory, but `sudo tune-wizard` and
// `tune-wizard`, two flakes, or a nixos-rebuild typed by hand all build
// with the same memory. Nothing here ever signals a process.
import type { Sysroot } from './sysroot.js';

export interface RebuildProcess {
  pid: number;
  /** The user name (from <sysroot>/etc/passwd), else `uid N`, else undefined. */
  user: string | undefined;
  argv: string[];
}

/** nixos-rebuild, nixos-rebuild-ng, and their wrapped script names. */
const REBUILD_NAME = /^\.?nixos-rebuild(-ng)?(-wrapped)?$/;
/** An interpreter or elevation in front of the command (bash SCRIPT, sudo CMD, python3 SCRIPT). */
const LAUNCHER = /^(ba|da|z)?sh$|^python[\d.]*$|^sudo$|^doas$|^run0$|^env$/;

/** Whether an argument list runs nixos-rebuild (directly, or through a shell, python or sudo). */
export function isRebuildCommand(argv: string[]): boolean {
  for (const arg of argv.slice(0, 4)) {
    const name = arg.slice(arg.lastIndexOf('/') + 1);
    if (REBUILD_NAME.test(name)) return true;
    if (arg.startsWith('-') || LAUNCHER.test(name)) continue;
    return false;
  }
  return false;
}

/**
 * Every running nixos-rebuild, lowest pid first, leaving out this process
 * and the processes it started (their parent chain reaches it).
 */
export async function findRunningRebuilds(sysroot: Sysroot, self = process.pid): Promise<RebuildProcess[]> {
  const found: RebuildProcess[] = [];
  let users: Map<number, string> | undefined;
  for (const pid of await sysroot.processIds()) {
    if (pid === self) continue;
    const cmdline = await sysroot.readOptional(`/proc/${pid}/cmdline`);
    if (!cmdline) continue; // gone, or a kernel thread
    const argv = cmdline.split('\0').filter((arg) => arg !== '');
    if (!isRebuildCommand(argv)) continue;
    if (await descendsFrom(sysroot, pid, self)) continue;
    users ??= parsePasswd((await sysroot.readOptional('/etc/passwd')) ?? '');
    found.push({ pid, user: await ownerOf(sysroot, pid, users), argv });
  }
  return found;
}

/** One line for a nixos-rebuild found running on the machine that no journal of this state directory knows. */
export function describeRunningRebuild(found: RebuildProcess, consequence: string, willBuild = true): string {
  const who = found.user === undefined ? '' : `, user ${found.user}`;
  const advice = willBuild
    ? 'Wait for it to finish, or stop it if it is a build nobody needs, then run again.'
    : 'Before a run that builds, wait for it to finish or stop it.';
  return `nixos-rebuild is already running on this machine (pid ${found.pid}${who}): \`${found.argv.join(' ')}\`. ${consequence} ${advice}`;
}

async function descendsFrom(sysroot: Sysroot, pid: number, ancestor: number): Promise<boolean> {
  let current = pid;
  for (let depth = 0; depth < 64 && current > 1; depth++) {
    const stat = await sysroot.readOptional(`/proc/${current}/stat`);
    if (stat === undefined) return false;
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(parent)) return false;
    if (parent === ancestor) return true;
    current = parent;
  }
  return false;
}

async function ownerOf(sysroot: Sysroot, pid: number, users: Map<number, string>): Promise<string | undefined> {
  const status = await sysroot.readOptional(`/proc/${pid}/status`);
  const uid = status === undefined ? undefined : /^Uid:\s+(\d+)/m.exec(status)?.[1];
  if (uid === undefined) return undefined;
  return users.get(Number(uid)) ?? `uid ${uid}`;
}

function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid !== undefined && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}
