// The signals that stop a run: Ctrl-C (SIGINT), SIGTERM, and SIGHUP when the
// terminal goes away (a closed window, a dropped SSH session). All of them
// abort the same way: the build's process group is stopped and the files go
// back. After a hang-up nothing can be shown any more, so errors writing to
// the gone terminal are ignored rather than allowed to end the process
// before it has put the files back.
export function onInterrupt(abort: () => void): () => void {
  const hangUp = (): void => {
    const ignore = (): void => {};
    process.stdout.on('error', ignore);
    process.stderr.on('error', ignore);
    abort();
  };
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  process.on('SIGHUP', hangUp);
  return () => {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
    process.off('SIGHUP', hangUp);
  };
}
