/**
 * Child process of crash.test.ts: plans and applies maintenance on a test database
 * and dies with process.exit() at a chosen point, the way a killed maintainer does
 * (its connections dropped, nothing cleaned up).
 *
 *   node --import tsx test/runtime/crash-child.ts <json args>
 *
 * args: { url, table, policy, withDefault, now, batchSize, lockTimeoutMs, allowDestructive, crash }
 *   crash 'after-first-batch': on the first moved batch (committed) out of the default partition
 *   crash 'after-create': on the first statement after the CREATE step committed (before any move or ATTACH)
 *   crash 'none': runs to the end (the test kills its backend instead)
 * Exits CRASHED (42) when it crashed as asked, 0 when apply returned (results printed as JSON).
 */
import postgres from 'postgres';
import { apply, plan, type MaintenancePolicyInput } from '../../src/index.js';
import { databaseFromUrl } from '../harness/client.js';
import { CHILD_APPLICATION_NAME, CRASHED } from './concurrency.js';
import { eventsTable } from './fixtures.js';

interface Args {
  url: string;
  table: string;
  policy: MaintenancePolicyInput;
  withDefault: boolean;
  now: string;
  batchSize?: number;
  lockTimeoutMs?: number;
  allowDestructive?: boolean;
  crash: 'after-first-batch' | 'after-create' | 'none';
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as Args;
  // Statements the maintenance connection sends, in order: BEGIN, SET LOCAL lock_timeout,
  // CREATE TABLE, ADD CONSTRAINT, COMMENT ON TABLE, COMMIT, then the next step's BEGIN.
  let sawComment = false;
  let createCommitted = false;
  const debug = (_c: number, text: string) => {
    if (args.crash !== 'after-create') return;
    if (createCommitted) {
      console.log(`crashing before: ${text.slice(0, 60)}`);
      process.exit(CRASHED);
    }
    if (text.startsWith('COMMENT ON TABLE')) sawComment = true;
    else if (sawComment && text === 'COMMIT') createCommitted = true;
  };
  const database = databaseFromUrl(args.url);
  const sql = postgres(args.url, { ...(database ? { database } : {}), max: 2, onnotice: () => {}, connection: { application_name: CHILD_APPLICATION_NAME }, debug });
  const t = eventsTable(args.table, args.policy, { withDefault: args.withDefault });
  const p = await plan(sql, [t], { now: new Date(args.now) });
  const r = await apply(sql, p, {
    ...(args.batchSize ? { batchSize: args.batchSize } : {}),
    ...(args.lockTimeoutMs ? { lockTimeoutMs: args.lockTimeoutMs } : {}),
    allowDestructive: args.allowDestructive ?? false,
    onProgress: (e) => {
      if (args.crash === 'after-first-batch' && e.phase === 'move-rows') {
        console.log(`crashing after moving ${e.movedRows} of ${e.totalRows} rows into ${e.op.partition.name}`);
        process.exit(CRASHED);
      }
    },
  });
  console.log(JSON.stringify(r.results.map((x) => [x.op.partition.name, x.status, x.reason ?? ''])));
  // No sql.end(): after its backend was terminated postgres.js 3.4.9 waits out the
  // whole end() timeout for that connection; exiting drops the connections anyway.
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
