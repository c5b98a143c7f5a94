import { describe, expect, it } from 'vitest';

import { missingCommandMessage } from '../../src/engine/rebuild.js';

describe('a missing elevation tool', () => {
  it('as root, says --elevate none is all that is needed', () => {
    const message = missingCommandMessage('doas', true, true);
    expect(message).toBe('doas is not on PATH, and no tool is needed to run as root: pass --elevate none (you are root), or install doas.');
    expect(message).not.toContain('run tune-wizard as root');
  });

  it('as a user, points to another tool, running as root, or installing it', () => {
    expect(missingCommandMessage('doas', true, false)).toBe(
      'doas is not on PATH, and the switch needs it to run as root: pass --elevate sudo or --elevate run0 to use another tool, run tune-wizard as root, or install doas.',
    );
  });
});

describe('the rebuild step title', () => {
  it('says what --mode does', async () => {
    const { rebuildTitle } = await import('../../src/step-kinds/rebuild.js');
    expect(rebuildTitle('switch', false)).toBe('Rebuild and switch');
    expect(rebuildTitle('switch', true)).toBe('Rebuild and switch (watching memory)');
    expect(rebuildTitle('boot', false)).toBe('Rebuild and install for next boot');
    expect(rebuildTitle('test', true)).toBe('Rebuild and test (not kept after reboot, watching memory)');
    expect(rebuildTitle('build', false)).toBe('Rebuild (build only)');
  });
});

describe('a build still running from another run', () => {
  it('shows its command shell-quoted', async () => {
    const { describeLiveBuild } = await import('../../src/journal/live-builds.js');
    const command = ['nixos-rebuild', 'build', '--flake', "/srv/my flake's#kc"];
    const time = new Date().toISOString();
    const run = { id: 'r1', dir: '/x', start: { type: 'start', pid: 2 ** 22 + 17, command: ['rollback'], time }, records: [], end: undefined, undoneBy: undefined, files: [] };
    const build = { type: 'build-started', command, pid: 5, pgid: 5, startTicks: 1, time } as const;
    const text = describeLiveBuild({ run, build } as never, 'This run does not build.', false);
    expect(text).toContain("`nixos-rebuild build --flake '/srv/my flake'\\''s#kc'`");
  });
});
