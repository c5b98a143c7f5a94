// The signals that stop a run: Ctrl-C (SIGINT), SIGTERM, and SIGHUP when the
// terminal goes away (a closed window, a dropped SSH session). All of them
// abort the same way: a prompt is cancelled at once, the build's process
// group is stopped and the files go back. The run's AbortSignal carries the
// signal's name as its reason, so messages say what really happened. After
// a hang-up nothing can be shown any more, so errors writing to the gone
// terminal are ignored rather than allowed to end the process before it has
// put the files back.
export type InterruptName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export function onInterrupt(abort: (name: InterruptName) => void): () => void {
  const interrupt = (): void => abort('SIGINT');
  const terminate = (): void => abort('SIGTERM');
  const hangUp = (): void => {
    ignoreGoneTerminal();
    abort('SIGHUP');
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', terminate);
  process.on('SIGHUP', hangUp);
  return () => {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', terminate);
    process.off('SIGHUP', hangUp);
  };
}

let ignoring = false;

/** From now on, errors writing to the terminal (gone: EIO) are ignored, so the files can still be put back. */
export function ignoreGoneTerminal(): void {
  if (ignoring) return;
  ignoring = true;
  const ignore = (): void => {};
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
}

/** What stopped the run, for a message: `Ctrl-C`, `SIGTERM`, or `the terminal closed (SIGHUP)`. */
export function describeInterrupt(reason: unknown): string {
  if (reason === 'SIGTERM') return 'SIGTERM';
  if (reason === 'SIGHUP') return 'the terminal closed (SIGHUP)';
  return 'Ctrl-C';
}

/** The same, at the start of a sentence. */
export function describeInterruptAtStart(reason: unknown): string {
  const text = describeInterrupt(reason);
  return text.charAt(0).toUpperCase() + text.slice(1);
}
