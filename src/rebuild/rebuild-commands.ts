// The two nixos-rebuild runs: `build` as the user (its ./result lands in a
// temporary directory), then the chosen mode, elevated, only if the build
// succeeded.
import type { RunContext } from '../engine/types.js';
import type { Elevation, RebuildMode, RebuildOptions } from './rebuild-flags.js';

export interface RebuildCommands {
  build: string[];
  /** undefined for --mode build: the build is the whole job. */
  final: string[] | undefined;
  mode: RebuildMode;
  elevation: Elevation;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function planCommands(ctx: RunContext): RebuildCommands {
  return planRebuildCommands(ctx.flakeDir, ctx.host, ctx.options.rebuild, isRoot());
}

export function resolveElevation(requested: Elevation | undefined, isRoot: boolean): Elevation {
  return requested ?? (isRoot ? 'none' : 'sudo');
}

export function planRebuildCommands(flakeDir: string, host: string, options: RebuildOptions, isRoot: boolean): RebuildCommands {
  const elevation = resolveElevation(options.elevate, isRoot);
  const target = ['--flake', `${flakeDir}#${host}`, ...options.extraArgs];
  const final = ['nixos-rebuild', options.mode, ...target];
  return {
    build: ['nixos-rebuild', 'build', ...target],
    final: options.mode === 'build' ? undefined : elevate(final, elevation),
    mode: options.mode,
    elevation,
  };
}

function elevate(command: string[], elevation: Elevation): string[] {
  return elevation === 'none' ? command : [elevation, ...command];
}

/**
 * What to run to go back after a failed final action. `switchedTo`: whether
 * /run/current-system already points at the new generation.
 */
export function rollbackAdvice(mode: RebuildMode, elevation: Elevation, switchedTo: boolean): string {
  const run = (command: string): string => `\`${elevation === 'none' ? '' : `${elevation} `}${command}\``;
  if (mode === 'test') {
    // `test` does not move the system profile, so it still names the previous generation.
    return `the boot default is unchanged: reboot, or run ${run('/nix/var/nix/profiles/system/bin/switch-to-configuration test')} to activate it again`;
  }
  const rollback = run(`nixos-rebuild ${mode} --rollback`);
  if (switchedTo) return `${rollback} goes back to the previous generation`;
  return `if \`nixos-rebuild list-generations\` shows the new generation as current, ${rollback} goes back to the previous one`;
}
