// Expected failures carry their exit code; the top level prints the message
// (one line) and exits. Anything else is a bug and is printed with its stack.

export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  gateFailed: 3,
  rebuildFailed: 4,
  watchdogStopped: 5,
  aborted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.error,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UserError';
  }
}

export class UsageError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}

export class GateError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.gateFailed);
    this.name = 'GateError';
  }
}

export class RebuildError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.rebuildFailed, options);
    this.name = 'RebuildError';
  }
}

/** The watchdog stopped the build before memory ran out. */
export class WatchdogError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.watchdogStopped);
    this.name = 'WatchdogError';
  }
}

export class AbortError extends UserError {
  constructor(message = 'Aborted.') {
    super(message, ExitCode.aborted);
    this.name = 'AbortError';
  }
}

/**
 * A failure after the new configuration was activated: the files match the
 * running system now, so they are kept, not restored.
 */
export class AfterSwitchError extends UserError {
  constructor(message: string, exitCode: ExitCodeValue) {
    super(message, exitCode);
    this.name = 'AfterSwitchError';
  }
}
