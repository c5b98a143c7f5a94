// Logs, as `du -sh /var/log` and `journalctl --disk-usage` show them,
// against the seed's 10 GB promise and journald's SystemMaxUse.
import { resolveOption } from '../config/option-plan.js';
import { findStringValue } from '../config/string-value.js';
import type { Check } from '../step-kinds/checks.js';
import { formatBytes, parseSize } from '../system/units.js';

/** The seed's testing checklist: "Logs stay under 10GB". */
export const LOG_DIR_LIMIT = 10 * 1024 ** 3;
/** journald's own cap when SystemMaxUse is not set (it also stops at 10% of the file system). */
const JOURNALD_DEFAULT_CAP = 4 * 1024 ** 3;

export function logDirUnderLimit(): Check {
  return async (ctx) => {
    const needed = `under ${formatBytes(LOG_DIR_LIMIT)} (the seed's checklist)`;
    const size = await ctx.sysroot.directorySize('/var/log');
    if (!size) return { ok: false, level: 'skip', measured: '/var/log not found', needed, shown: 'no /var/log' };
    const partly = size.unreadable > 0 ? ` (${size.unreadable} directories not readable)` : '';
    const shown = `${formatBytes(size.bytes)}${partly}`;
    return { ok: size.bytes < LOG_DIR_LIMIT, measured: `/var/log ${shown}`, needed, shown };
  };
}

/** `SystemMaxUse=2G` from journald.conf text; undefined when it is not set. */
export function findSystemMaxUse(journaldConf: string): number | undefined {
  let limit: number | undefined;
  for (const line of journaldConf.split('\n')) {
    const match = /^\s*SystemMaxUse\s*=\s*(\S+)\s*$/.exec(line);
    if (match) limit = parseSize(match[1]!);
  }
  return limit;
}

export function journalUnderLimit(): Check {
  return async (ctx) => {
    // extraConfig is a lines option: every definition is part of journald.conf.
    const extra = resolveOption(await ctx.configuration(), 'services.journald.extraConfig');
    const texts = extra.winners.map(findStringValue);
    if (texts.some((text) => text === undefined)) {
      const measured = 'services.journald.extraConfig is computed; tune-wizard cannot read it';
      return { ok: false, level: 'skip', measured, needed: 'a literal string', shown: 'not checked' };
    }
    const configuredLimit = findSystemMaxUse(texts.join('\n'));
    const limit = configuredLimit ?? JOURNALD_DEFAULT_CAP;
    const needed = configuredLimit === undefined ? `journald default (at most ${formatBytes(limit)})` : `SystemMaxUse=${formatBytes(limit)}`;

    const usage = await ctx.sysroot.journalUsage();
    if (!usage) return { ok: false, level: 'skip', measured: 'no /var/log/journal (volatile journal only)', needed, shown: 'no persistent journal' };
    const shown = formatBytes(usage.bytes);
    return { ok: usage.bytes <= limit, measured: `journal ${shown} in /var/log/journal`, needed, shown };
  };
}
