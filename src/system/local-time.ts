// Times as the user reads them: local, to the second, one format everywhere
// (history, undo, the lock message, the date in a DISABLED comment).
const pad = (n: number): string => String(n).padStart(2, '0');

/** `2026-12-04`, the local date. */
export function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `2026-12-04 18:36:47`, local, from an ISO time as the journal keeps it. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${localDate(date)} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
