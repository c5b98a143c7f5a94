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

  it.each([
    [['rollback', '--min-headroom', '-5G'], '--min-headroom needs a size such as 8G; negative sizes are not allowed.'],
    [['reenable', 'x', '--min-headroom=-5G'], '--min-headroom needs a size such as 8G; negative sizes are not allowed.'],
    [['rollback', '--stop-below', '-1G'], '--stop-below needs a size such as 1G or a share of RAM such as 5%; negative sizes are not allowed.'],
    [['rollback', '--stop-below=-1G'], '--stop-below needs a size such as 1G or a share of RAM such as 5%; negative sizes are not allowed.'],
    [['rollback', '--flake'], '--flake needs a value: a flake directory and host such as ~/nixos#kernelcore. See tune-wizard --help.'],
    [['rollback', '--flake', '--yes'], '--flake needs a value (a flake directory and host such as ~/nixos#kernelcore), but --yes follows it, which is an option.'],
    [['rollback', '--yes=1'], '--yes takes no value; write just --yes.'],
    [['rollback', '--flake', 'github:foo/bar#x'], '--flake github:foo/bar#x: tune-wizard edits files, so it needs a local flake directory, not a github: URL; point it at a local checkout: --flake DIR#HOST.'],
    [['rollback', '--flake', 'path:/srv/cfg#x'], '--flake path:/srv/cfg#x: tune-wizard edits files, so it needs a local flake directory, not a path: URL; write the directory itself: --flake /srv/cfg#x.'],
    [['rollback', '--flake', '/srv/cfg#a#b'], '--flake /srv/cfg#a#b: more than one #; write --flake DIR#HOST with a single #.'],
    [['reenable', ''], 'reenable: the module name is empty'],
    [['disable', ' '], 'disable: the module name is empty'],
    [['disable', 'x', '--reason', ''], '--reason is empty: write why'],
    [['check', '--sysroot', ''], '--sysroot is empty; write --sysroot DIR'],
    [['rollback', '--sysroot=  '], '--sysroot is empty; write --sysroot DIR'],
    [['history', '--yes'], '--yes: history only lists the recorded runs and takes no options.'],
    [['history', '--flake', '/x'], '--flake: history only lists the recorded runs and takes no options.'],
    [['disable', 'x', '--min-headroom', '2G'], '--min-headroom is for reenable and check, not disable.'],
    [['check', '--mode', 'boot'], '--mode is for rollback, reenable, disable, recommend and undo, not check.'],
    [['check', '--', '--max-jobs', '1'], 'the arguments after -- are for rollback, reenable, disable, recommend and undo, not check.'],
    [['undo', '--flake', '/x'], '--flake is for rollback, reenable, disable, check and recommend, not undo.'],
    [['undo', '--reason', 'x'], '--reason is for disable'],
    [['recommend', '--elevate', 'none'], '--elevate only means something with recommend --apply.'],
    [['reenable', 'x', '--min-headroom', '8'], '--min-headroom 8: add a unit, such as 8G (0 for no minimum).'],
    [['reenable', 'x', '--min-headroom', '8 G'], '--min-headroom 8 G: write it without a space, such as 8G.'],
    [['reenable', 'x', '--min-headroom', '512B'], '--min-headroom 512B: write a size such as 8G'],
    [['rollback', '--stop-below', '2'], '--stop-below 2: add a unit, such as 2G, or write a share of RAM such as 2%.'],
    [['rollback', '--stop-below', '1 G'], '--stop-below 1 G: write it without a space, such as 1G.'],
    [['rollback', '--stop-below', '5 %'], '--stop-below 5 %: write it without a space, such as 5%.'],
  ])('says in its own words what to write for %j', (argv, message) => {
    let error: unknown;
    try {
      parseCli(argv);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringContaining(message) });
    expect((error as Error).message).not.toMatch(/Option '|ambiguous|argument missing/);
  });

  it('takes --min-headroom 0 as no minimum', () => {
    expect(parseCli(['reenable', 'x', '--min-headroom', '0']).minHeadroom).toBe(0);
    expect(parseCli(['reenable', 'x', '--min-headroom', '0G']).minHeadroom).toBe(0);
    expect(parseCli(['reenable', 'x', '--min-headroom', '512m']).minHeadroom).toBe(512 * 1024 ** 2);
    expect(parseCli(['rollback', '--stop-below', '2TiB']).rebuild.stopBelow).toMatchObject({ kind: 'bytes', bytes: 2 * 1024 ** 4 });
  });

  it('reads check and recommend with their flags', () => {
    expect(parseCli(['check', '--json', '--min-headroom', '4G'])).toMatchObject({ command: 'check', json: true, apply: false, minHeadroom: 4 * 1024 ** 3 });
    expect(parseCli(['recommend'])).toMatchObject({ command: 'recommend', json: false, apply: false });
    expect(parseCli(['recommend', '--apply', '--yes', '--no-rebuild'])).toMatchObject({ command: 'recommend', apply: true, yes: true, noRebuild: true });
  });
});
