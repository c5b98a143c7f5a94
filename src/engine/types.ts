// The shapes a procedure is declared in (steps/*.ts) and the context the
// engine hands each step.
import type { Configuration } from '../config/module-graph.js';
import type { RebuildOptions } from '../rebuild/rebuild-flags.js';
import type { CommandRunner } from '../system/command-runner.js';
import type { ProcessIdentity } from '../system/process-identity.js';
import type { Sysroot } from '../system/sysroot.js';
import type { FileChange, Workspace } from '../system/workspace.js';
import type { Ui } from './ui.js';

export interface RunOptions {
  yes: boolean;
  dryRun: boolean;
  noRebuild: boolean;
  /** Bytes of headroom (MemAvailable + usable swap, as the watchdog counts) a heavy rebuild needs. */
  minHeadroom: number;
  /** Step groups to run (rollback --only); undefined means all. */
  only: Set<string> | undefined;
  /** --mode, --elevate, --quiet, --stop-below and the arguments after `--`. */
  rebuild: RebuildOptions;
}

export interface RunContext {
  flakeDir: string;
  host: string;
  sysroot: Sysroot;
  workspace: Workspace;
  runner: CommandRunner;
  ui: Ui;
  options: RunOptions;
  /** Aborted when the user presses Ctrl-C (or the run gets SIGTERM). */
  signal: AbortSignal;
  /** The generation that was running when this run started. */
  systemAtStart: string | undefined;
  /** The host's configuration as the files are now (after earlier steps). */
  configuration(): Promise<Configuration>;
  /** The run's journal, told when the build's process group starts and ends (absent in a dry run). */
  buildJournal?: BuildJournal;
}

/** Where a build's process group is recorded, so a later run finds it if this one is killed. */
export interface BuildJournal {
  /** `phase`: `build`, or the final mode (`switch`, `boot`, `test`), recorded so a later run waits for it too. */
  buildStarted(command: string[], process: ProcessIdentity, phase?: string): Promise<void>;
  buildEnded(pid: number): Promise<void>;
}

export interface CheckResult {
  ok: boolean;
  /** What was found, e.g. "swappiness 100 (/proc/sys/vm/swappiness)". */
  measured: string;
  /** What was required, e.g. "60". */
  needed: string;
  /** `measured` in a few words, for the check table ("100"). */
  shown?: string;
  /** A failed result that is only a warning, or a check that could not be made here. */
  level?: 'warn' | 'skip';
  /** One more line of explanation, shown under the check table. */
  detail?: string;
}

export interface EditPlan {
  changes: FileChange[];
  /** Lines shown above the diff: which definition wins, before and after. */
  explanation: string[];
  /** Things the user must know or do by hand. */
  notes: string[];
  /**
   * Values this step cannot bring to where the procedure wants them (a
   * computed value, a file outside the flake), each as the hand edit to
   * make: `nix.settings.cores = 0 at modules/nix.nix:8`. Repeated at the end.
   */
  handEdits?: string[];
  /**
   * Places tune-wizard could not read that may decide this step's options
   * (a module it did not follow, `s // { ... }`): the step cannot say the
   * configuration already has the value, only that these are to be checked.
   */
  handChecks?: HandCheck[];
}

/** A place to check by hand, and the options it may set. */
export interface HandCheck {
  /** `base.nix:4 (\`s // { cores = 0; }\`)`. */
  place: string;
  options: string[];
}

interface BaseStep {
  title: string;
  /** The --only group this step belongs to. */
  group?: string;
}

/** Measures the running system before anything changes. */
export interface GateStep extends BaseStep {
  kind: 'gate';
  /** What to do when the gate fails, said after what was measured (built from the run when a function). */
  advice?: string | ((ctx: RunContext, result: CheckResult) => string | undefined);
  check(ctx: RunContext): Promise<CheckResult>;
}

/** Changes configuration files, after showing the diff and asking. */
export interface EditStep extends BaseStep {
  kind: 'edit';
  plan(ctx: RunContext): Promise<EditPlan>;
  /**
   * Throws a UserError when the step cannot be planned safely whatever the
   * steps before it do; the engine asks every step before any is run, so
   * that such a run stops before it shows or writes anything.
   */
  preflight?(ctx: RunContext): Promise<void>;
}

export interface RebuildStep extends BaseStep {
  kind: 'rebuild';
  /** A heavy build: without a terminal, print memory every few seconds (else every half minute). */
  watchMemory: boolean;
}

/** Proves the rebuilt system shows the change. */
export interface VerifyStep extends BaseStep {
  kind: 'verify';
  check(ctx: RunContext): Promise<CheckResult>;
}

export type Step = GateStep | EditStep | RebuildStep | VerifyStep;

export interface Procedure {
  name: string;
  /** One line saying what the procedure does. */
  summary: string;
  groups?: string[];
  steps: Step[];
}
