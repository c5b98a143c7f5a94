// The seed's two maintenance services and their timers, as `systemctl show`
// reports them. Only where systemd runs; elsewhere they are not checkable.
import { resolveOption } from '../config/option-plan.js';
import type { RunContext } from '../engine/types.js';
import type { Check } from '../step-kinds/checks.js';
import { captureOutput } from '../system/command-runner.js';
import { parseUnitProperties } from '../system/proc-formats.js';

async function showUnit(ctx: RunContext, unit: string, properties: string[]): Promise<Map<string, string> | undefined> {
  const output = await captureOutput(ctx.runner, 'systemctl', ['show', `--property=${properties.join(',')}`, unit]);
  return output.exitCode === 0 ? parseUnitProperties(output.lines.join('\n')) : undefined;
}

/** Why systemd state cannot be read here, or undefined when it can. */
async function findSystemdObstacle(ctx: RunContext): Promise<string | undefined> {
  if (!(await ctx.sysroot.isSystemdRunning())) return 'systemd is not running here';
  if (!(await ctx.runner.find('systemctl'))) return 'systemctl is not on PATH';
  return undefined;
}

export function maintenanceTimerRuns(name: string): Check {
  return async (ctx) => {
    const schedule = resolveOption(await ctx.configuration(), `systemd.timers.${name}.timerConfig.OnCalendar`).value;
    const needed = schedule?.type === 'string' ? `timer ${schedule.value}` : 'not in the configuration';
    const skip = (why: string) => ({ ok: false, level: 'skip' as const, measured: `${name}: ${why}`, needed, shown: `not checkable: ${why}` });
    if (schedule === undefined) return skip('not in the configuration');
    const obstacle = await findSystemdObstacle(ctx);
    if (obstacle) return skip(obstacle);

    const timer = await showUnit(ctx, `${name}.timer`, ['LoadState', 'ActiveState', 'NextElapseUSecRealtime']);
    const service = await showUnit(ctx, `${name}.service`, ['LoadState', 'Result', 'ExecMainStatus']);
    if (!timer || !service) return skip('systemctl show failed');

    const fail = (shown: string, detail: string) => ({ ok: false, measured: `${name}: ${shown}`, needed, shown, detail });
    const status = `\`systemctl status ${name}.timer\` shows why it is not running; a rebuild and switch installs it.`;
    if (timer.get('LoadState') !== 'loaded') return fail(`${name}.timer not installed (${timer.get('LoadState') ?? '?'})`, status);
    if (timer.get('ActiveState') !== 'active') return fail(`timer ${timer.get('ActiveState') ?? '?'}`, status);
    const result = service.get('Result') ?? '?';
    if (result !== 'success') {
      const why = `\`journalctl -u ${name} -n 50\` shows why the last run failed.`;
      return fail(`timer active; last run ${result} (status ${service.get('ExecMainStatus') ?? '?'})`, why);
    }
    const next = timer.get('NextElapseUSecRealtime');
    const shown = `timer active${next ? `, next ${next}` : ''}; last run succeeded`;
    return { ok: true, measured: `${name}: ${shown}`, needed, shown };
  };
}
