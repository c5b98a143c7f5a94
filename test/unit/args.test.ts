import { describe, expect, it } from 'vitest';

import { parseCli } from '../../src/args.js';

describe('the command line', () => {
  it('defaults to /etc/nixos, the host from hostname, 8G headroom', () => {
    const args = parseCli(['rollback']);
    expect(args).toMatchObject({ command: 'rollback', flake: '/etc/nixos', host: undefined, yes: false, dryRun: false, sysroot: '/' });
  });

  it('splits --flake DIR#HOST', () => {
    expect(parseCli(['rollback', '--flake', '/srv/cfg#kernelcore'])).toMatchObject({ flake: '/srv/cfg', host: 'kernelcore' });
    expect(parseCli(['rollback', '--flake', '#laptop'])).toMatchObject({ flake: '.', host: 'laptop' });
  });

  it('reads --only as a set of groups', () => {
    expect(parseCli(['rollback', '--only', 'cpu, zram']).only).toEqual(new Set(['cpu', 'zram']));
  });

  it('reads --min-headroom sizes', () => {
    expect(parseCli(['reenable', 'unified-llm', '--min-headroom', '10G']).minHeadroom).toBe(10 * 1024 ** 3);
    expect(parseCli(['reenable', 'x', '--min-headroom', '1.5GiB']).minHeadroom).toBe(1.5 * 1024 ** 3);
    expect(parseCli(['reenable', 'x']).minHeadroom).toBe(8 * 1024 ** 3);
  });

  it.each([
    [['rollback', 'extra'], 'rollback takes no argument, got "extra"'],
    [['rollback', '--flake', 'dir#'], 'the host after # is empty'],
    [['rollback', '--min-headroom', '4G'], '--min-headroom is for reenable'],
    [['reenable', 'a', '--only', 'cpu'], '--only is for rollback'],
    [[], 'missing command'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });
});
