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
    [['check', 'now'], 'check takes no argument, got "now"'],
    [['check', '--apply'], 'check changes nothing; --apply is not for check'],
    [['check', '--dry-run'], 'check changes nothing; --dry-run is not for check'],
    [['recommend', '--only', 'cpu'], '--only is for rollback, not recommend'],
    [['recommend', '--no-rebuild'], 'only mean something with recommend --apply'],
    [['reenable', 'x', '--apply'], '--apply is for check and recommend, not reenable'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('reads check and recommend with their flags', () => {
    expect(parseCli(['check', '--json', '--min-headroom', '4G'])).toMatchObject({ command: 'check', json: true, apply: false, minHeadroom: 4 * 1024 ** 3 });
    expect(parseCli(['recommend'])).toMatchObject({ command: 'recommend', json: false, apply: false });
    expect(parseCli(['recommend', '--apply', '--yes', '--no-rebuild'])).toMatchObject({ command: 'recommend', apply: true, yes: true, noRebuild: true });
  });
});
