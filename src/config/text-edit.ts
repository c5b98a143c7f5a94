// Byte-range replacements on a file. Offsets are byte offsets into the
// file's byte string (see nix/syntax.ts), so non-ASCII text never shifts them.
import { fromByteString, toByteString } from '../nix/syntax.js';

export interface TextEdit {
  start: number;
  end: number;
  /** Replacement as a byte string. */
  text: string;
}

export function applyEdits(bytes: Buffer, edits: TextEdit[]): Buffer {
  // The same edit planned twice (lib added for two definitions) is one edit.
  const unique = [...new Map(edits.map((e) => [`${e.start}:${e.end}:${e.text}`, e])).values()];
  const sorted = unique.sort((a, b) => b.start - a.start || b.end - a.end);
  for (let i = 1; i < sorted.length; i++) {
    const later = sorted[i - 1]!;
    const earlier = sorted[i]!;
    if (earlier.end > later.start || (earlier.start === later.start && earlier.end === later.end && earlier.start !== earlier.end)) {
      throw new Error(`overlapping edits at bytes ${earlier.start}-${earlier.end} and ${later.start}-${later.end}`);
    }
  }
  let text = bytes.toString('latin1');
  for (const edit of sorted) {
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  }
  return Buffer.from(text, 'latin1');
}

/** A replacement written as ordinary (UTF-8) text. */
export function replaceWith(start: number, end: number, text: string): TextEdit {
  return { start, end, text: toByteString(text) };
}

export function describeBytes(bytes: Buffer): string {
  return fromByteString(bytes.toString('latin1'));
}
