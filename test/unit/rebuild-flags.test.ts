import { describe, expect, it } from 'vitest';

import { parseCli } from '../../src/args.js';
import { checkPassthrough } from '../../src/rebuild/rebuild-flags.js';

describe('the arguments after --', () => {
  it.each([
    [['--flake', '/etc/nixos#other'], '--flake'],
    [['--flake=/etc/nixos#other'], '--flake=/etc/nixos#other'],
    [['switch'], 'switch'],
    [['boot'], 'boot'],
    [['dry-activate'], 'dry-activate'],
    [['build-vm'], 'build-vm'],
    [['--rollback'], '--rollback'],
    [['--target-host', 'root@far'], '--target-host'],
    [['--build-host', 'far'], '--build-host'],
    [['--use-remote-sudo'], '--use-remote-sudo'],
    [['--sudo'], '--sudo'],
    [['--profile-name', 'x'], '--profile-name'],
    [['-p', 'x'], '-p'],
    [['-Lp', 'x'], '-Lp'],
    [['--specialisation', 'x'], '--specialisation'],
    [['--install-bootloader'], '--install-bootloader'],
    [['--file', 'x.nix'], '--file'],
    [['-f', 'x.nix'], '-f'],
    [['--attr', 'x'], '--attr'],
    [['-A', 'x'], '-A'],
    [['--max-jobs', '1', '--override-input', 'nixpkgs', '/x'], '--override-input'],
    // Not on the allow-list: refused by default, not by name.
    [['--no-flake'], '--no-flake'],
    [['--help'], '--help'],
    [['-h'], '-h'],
    [['--version'], '--version'],
    [['--store', '/x'], '--store'],
    [['-I', 'x'], '-I'],
    [['-Inixpkgs=/x'], '-Inixpkgs=/x'],
    [['--'], '--'],
    [['x'], 'x'],
    [['--show-trace', '--some-future-flag'], '--some-future-flag'],
    [['--max-jobs'], '--max-jobs'],
    [['--max-jobs', '--no-flake'], '--max-jobs'],
    [['--max-jobs', 'x'], '--max-jobs x'],
    [['--option', 'sandbox'], '--option'],
  ])('refuses %j as a usage error naming %s', (args, named) => {
    let error: (Error & { exitCode?: number }) | undefined;
    try {
      parseCli(['rollback', '--', ...args]);
    } catch (caught) {
      error = caught as Error & { exitCode?: number };
    }
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toContain(`\`-- ${named}\``);
    expect(error?.message).not.toContain('\n');
  });

  it('keeps build-tuning flags, their values included', () => {
    const args = ['--max-jobs', '1', '--cores', '2', '-j4', '--option', 'system-features', 'test', '-L', '--show-trace', '--keep-going', '-v', '-vvv', '--max-jobs=auto', '--quiet', '--builders', '', '-K', '--impure'];
    expect(checkPassthrough(args)).toEqual(args);
    expect(parseCli(['rollback', '--', ...args]).rebuild.extraArgs).toEqual(args);
  });

  it('says what is allowed after --', () => {
    expect(() => checkPassthrough(['--no-flake'])).toThrow(/after -- takes only --max-jobs\/-j N, --cores N, --option NAME VALUE, .*--show-trace/);
  });
});
