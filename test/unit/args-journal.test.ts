import { describe, expect, it } from 'vitest';

import { HELP, parseCli } from '../../src/args.js';

describe('the journal commands on the command line', () => {
  it('reads undo with an optional run id and --force', () => {
    expect(parseCli(['undo'])).toMatchObject({ command: 'undo', runId: undefined, force: false });
    expect(parseCli(['undo', '20251122-142305-5779', '--force', '--no-rebuild'])).toMatchObject({
      command: 'undo',
      runId: '20251122-142305-5779',
      force: true,
      noRebuild: true,
    });
  });

  it('reads history', () => {
    expect(parseCli(['history'])).toMatchObject({ command: 'history' });
  });

  it.each([
    [['history', 'extra'], 'history takes no argument, got "extra"'],
    [['undo', 'a', 'b'], 'undo takes at most one run id'],
    [['rollback', '--force'], '--force is for undo only.'],
    [['undo', '--only', 'cpu'], '--only and --min-headroom are for rollback and reenable, not undo.'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('lists history and undo in --help', () => {
    expect(HELP).toContain('  history     list the recorded runs, newest first\n');
    expect(HELP).toContain('  undo        put back the files of the last run (or RUN), then offer the rebuild\n');
  });
});
