import { spawn } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { identifyProcess, isGroupStillRunning } from '../../src/system/process-identity.js';

describe('a recorded process group', () => {
  it('is running while its leader is the same process, and not once the pid would name another one', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const identity = identifyProcess(child.pid!)!;
      expect(identity).toMatchObject({ pid: child.pid, pgid: child.pid });
      expect(isGroupStillRunning(identity)).toBe(true);
      // The same pid with another start time: a reused pid, not the recorded process.
      expect(isGroupStillRunning({ ...identity, startTicks: identity.startTicks + 1 })).toBe(false);
      // Another boot.
      expect(isGroupStillRunning({ ...identity, bootId: 'another-boot' })).toBe(false);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
    await exited;
    expect(isGroupStillRunning(identifyProcess(process.pid)!)).toBe(true);
    expect(isGroupStillRunning({ pid: child.pid!, pgid: child.pid!, startTicks: 1, bootId: undefined })).toBe(false);
  });
});
