// Commands printed for the user to copy into a shell (Next: ..., run it
// yourself: ...): every word that a POSIX shell would split, expand or
// read as a comment is single-quoted, so a flake path with spaces or
// other specials copies as one word.

/** Words made only of these characters read the same in any POSIX shell. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./#-]+$/;

export function shellWord(word: string): string {
  // `#` starts a comment only at the start of a word; `=` and `:` are plain.
  if (PLAIN.test(word) && !word.startsWith('#')) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}
