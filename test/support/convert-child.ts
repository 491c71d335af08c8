/**
 * Child process of the conversion tests: runs convertTable() on a plain events table
 * and dies with process.exit() (its connections dropped, its transaction in flight
 * rolled back, nothing cleaned up) just before it sends the statement `crashAt` names:
 *   'create'   the CREATE TRIGGER that makes the change capture (shadow not committed)
 *   'copy-<n>' the n-th batch copy
 *   'verify'   the verification's snapshot
 *   'swap'     the swap's transaction (one message: its lock, the renames, the new change capture)
 *   'swap-sent' dies 1 ms after sending the swap (it committed, or it rolled back), or
 *              before the next statement, whichever comes first
 *   'validate' the validation of a re-made foreign key (the swap committed)
 *   'random'   SIGKILLs itself before a batch copy picked at random (the 3rd to the 12th of its run)
 *   'none'     runs to the end (the test may SIGKILL it)
 *
 *   node --import tsx test/support/convert-child.ts <json args>
 *
 * args: { url, table, policy, now, lockTimeoutMs, batchRows, crashAt }
 * While another converter holds the table (CONVERT_BUSY) it tries again every 20 ms, so
 * a test can start the next converter while the one before still runs. Prints APPLYING
 * at its first progress event (it holds the table from then on); exits CRASHED (42)
 * when it crashed as asked, 0 when done.
 */
import postgres from 'postgres';
import { convertTable, type MaintenancePolicyInput } from '../../src/index.js';
import { databaseFromUrl } from '../harness/client.js';
import { APPLYING, CHILD_APPLICATION_NAME, CRASHED } from './concurrency.js';
import { eventsTable } from './fixtures.js';

interface Args {
  url: string;
  table: string;
  policy: MaintenancePolicyInput;
  now: string;
  lockTimeoutMs: number;
  batchRows: number;
  crashAt: string;
}

function matches(crashAt: string, text: string, batches: number): boolean {
  if (crashAt.startsWith('copy-')) return text.includes('WITH ins AS (INSERT') && batches === Number(crashAt.slice(5));
  switch (crashAt) {
    case 'create':
      return text.startsWith('CREATE TRIGGER') && !text.includes('_dp_old');
    case 'verify':
      return text.startsWith('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    case 'swap':
    case 'swap-sent':
      return text.includes(' RENAME TO ') && text.includes('_dp_old');
    case 'validate':
      return text.includes('VALIDATE CONSTRAINT');
    default:
      return false;
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as Args;
  let batches = 0;
  const killAt = 3 + Math.floor(Math.random() * 10);
  let swapSent = false;
  const debug = (_c: number, text: string) => {
    if (text.includes('WITH ins AS (INSERT')) batches++;
    if (args.crashAt === 'random' && batches === killAt) process.kill(process.pid, 'SIGKILL');
    if (swapSent) {
      console.log(`crashing before: ${text.slice(0, 60)}`);
      process.exit(CRASHED);
    }
    if (args.crashAt === 'swap-sent' && matches(args.crashAt, text, batches)) {
      swapSent = true;
      setTimeout(() => process.exit(CRASHED), 1);
    } else if (matches(args.crashAt, text, batches)) {
      console.log(`crashing before: ${text.slice(0, 60)}`);
      process.exit(CRASHED);
    }
  };
  const database = databaseFromUrl(args.url);
  const sql = postgres(args.url, { ...(database ? { database } : {}), max: 2, onnotice: () => {}, connection: { application_name: CHILD_APPLICATION_NAME }, debug });
  const t = eventsTable(args.table, args.policy);
  let began = false;
  const onProgress = () => {
    if (!began) console.log(APPLYING);
    began = true;
  };
  for (;;) {
    try {
      const r = await convertTable(sql, t, { now: new Date(args.now), lockTimeoutMs: args.lockTimeoutMs, batchRows: args.batchRows, onProgress });
      console.log(JSON.stringify({ phase: r.phase, rowsCopied: r.rowsCopied }));
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
