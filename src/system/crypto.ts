// node:crypto, loaded the first time a hash or random name is needed. Only
// runs that write (journal, lock, atomic write) need it, and loading it costs
// a dry run several milliseconds of its start-up.
import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');

const require = createRequire(import.meta.url);
let loaded: Crypto | undefined;

function crypto(): Crypto {
  return (loaded ??= require('node:crypto') as Crypto);
}

/** Lower-case hex sha256 of `data`. */
export function sha256Hex(data: Uint8Array | string): string {
  return crypto().createHash('sha256').update(data).digest('hex');
}

/** `bytes` random bytes as hex (for unique temp and run names). */
export function randomHex(bytes: number): string {
  return crypto().randomBytes(bytes).toString('hex');
}
