/**
 * Child process of the conversion tests: runs convertTable() on a plain events table
 * and kills itself with SIGKILL (`kill -9`: its connections dropped, its transaction in
 * flight rolled back, nothing cleaned up) at the moment `kill` names:
 *   { phase, nth, delayMs }
 *   phase 'copy'      the batch copies (the one-round-trip script of each batch)
 *         'verify'    the verification's statements (its REPEATABLE READ, the two
 *                     checksums, the record, the COMMIT)
 *         'swap'      the swap's transaction (one message: its lock, the renames, the new change capture)
 *         'validate'  the validation of a re-made foreign key (the swap committed)
 *   nth      the nth statement of that phase this process sends (from 1)
 *   delayMs  0: dies before sending it; more: sends it and dies that many ms later, or
 *            when it sends the next statement, whichever comes first (a swap may have
 *            committed or not)
 * Without `kill`, it runs to the end (exit 0).
 *
 *   node --import tsx test/support/convert-child.ts <json args>
 *
 * args: { url, table, policy, now, lockTimeoutMs, batchRows, kill? }
 * While another converter holds the table (CONVERT_BUSY) it tries again every 20 ms, so
 * a test can start the next converter while the one before still runs. Prints APPLYING
 * at its first progress event (it holds the table from then on).
 */
import { writeSync } from 'node:fs';
import postgres from 'postgres';
import { convertTable, type MaintenancePolicyInput } from '../../src/index.js';
import { databaseFromUrl } from '../harness/client.js';
import { APPLYING, CHILD_APPLICATION_NAME } from './concurrency.js';
import { eventsTable } from './fixtures.js';

/** Where a converter kills itself. */
export interface KillPoint {
  phase: 'copy' | 'verify' | 'swap' | 'validate';
  nth: number;
  delayMs: number;
}

interface Args {
  url: string;
  table: string;
  policy: MaintenancePolicyInput;
  now: string;
  lockTimeoutMs: number;
  batchRows: number;
  kill?: KillPoint;
}

function die(why: string): never {
  writeSync(1, `killed ${why}\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as Args;
  const kill = args.kill;
  let inVerify = false;
  let seen = 0;
  let armed = false;
  const phaseOf = (text: string): KillPoint['phase'] | null => {
    if (text.startsWith('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')) inVerify = true;
    if (inVerify) {
      if (text.startsWith('COMMIT') || text.startsWith('ROLLBACK')) inVerify = false;
      return 'verify';
    }
    if (text.includes('WITH ins AS (INSERT')) return 'copy';
    if (text.includes(' RENAME TO ') && text.includes('_dp_old')) return 'swap';
    if (text.includes('VALIDATE CONSTRAINT')) return 'validate';
    return null;
  };
  const debug = (_c: number, text: string) => {
    if (armed) die(`before the statement after: ${text.slice(0, 60)}`);
    if (!kill || phaseOf(text) !== kill.phase || ++seen !== kill.nth) return;
    if (kill.delayMs <= 0) die(`before ${kill.phase} #${kill.nth}: ${text.slice(0, 60)}`);
    armed = true;
    setTimeout(() => die(`${kill.delayMs} ms after ${kill.phase} #${kill.nth}`), kill.delayMs);
  };
  const database = databaseFromUrl(args.url);
  const sql = postgres(args.url, { ...(database ? { database } : {}), max: 2, onnotice: () => {}, connection: { application_name: CHILD_APPLICATION_NAME }, debug });
  const t = eventsTable(args.table, args.policy);
  let began = false;
  const onProgress = () => {
    if (!began) writeSync(1, `${APPLYING}\n`);
    began = true;
  };
  for (;;) {
    try {
      const r = await convertTable(sql, t, { now: new Date(args.now), lockTimeoutMs: args.lockTimeoutMs, batchRows: args.batchRows, onProgress });
      writeSync(1, `${JSON.stringify({ phase: r.phase, rowsCopied: r.rowsCopied })}\n`);
      process.exit(0);
    } catch (e) {
      if ((e as { code?: string }).code !== 'CONVERT_BUSY') throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
