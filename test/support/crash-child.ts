/**
 * Child process of crash.test.ts: plans and applies maintenance on a test database
 * and dies with process.exit() at a chosen point, the way a killed maintainer does
 * (its connections dropped, nothing cleaned up).
 *
 *   node --import tsx test/support/crash-child.ts <json args>
 *
 * args: { url, table, policy, withDefault, now, lockTimeoutMs, allowDestructive, crash }
 *   crash 'before-drop': a retirement whose detach is done, before its DROP TABLE is sent
 *   crash 'after-create': on the first statement after the step that makes the new tables committed (before any move or ATTACH)
 *   crash 'none': runs to the end (the test kills its backend instead)
 * Prints APPLYING when apply() begins. Exits CRASHED (42) when it crashed as asked, 0 when apply
 * returned (results printed as JSON).
 */
import postgres from 'postgres';
import { apply, plan, type MaintenancePolicyInput } from '../../src/index.js';
import { databaseFromUrl } from '../harness/client.js';
import { APPLYING, CHILD_APPLICATION_NAME, CRASHED } from './concurrency.js';
import { eventsTable } from './fixtures.js';

interface Args {
  url: string;
  table: string;
  policy: MaintenancePolicyInput;
  withDefault: boolean;
  now: string;
  lockTimeoutMs?: number;
  allowDestructive?: boolean;
  crash: 'after-create' | 'before-drop' | 'none';
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]!) as Args;
  // The step that makes the new tables is one message, `BEGIN; SET LOCAL ...; CREATE
  // TABLE ...; COMMENT ON TABLE ...; ... COMMIT;`; the next message (the first attach
  // step, `BEGIN; ...`) is built once it has committed.
  let createCommitted = false;
  const debug = (_c: number, text: string) => {
    if (args.crash === 'before-drop' && text.startsWith('DROP TABLE')) {
      // the partition is detached (and marked retiring), not yet marked retired nor dropped
      console.log(`crashing before: ${text.slice(0, 60)}`);
      process.exit(CRASHED);
    }
    if (args.crash !== 'after-create') return;
    if (createCommitted) {
      console.log(`crashing before: ${text.slice(0, 60)}`);
      process.exit(CRASHED);
    }
    if (text.includes('\nCOMMENT ON TABLE') && text.endsWith('\nCOMMIT;')) createCommitted = true;
  };
  const database = databaseFromUrl(args.url);
  const sql = postgres(args.url, { ...(database ? { database } : {}), max: 2, onnotice: () => {}, connection: { application_name: CHILD_APPLICATION_NAME }, debug });
  const t = eventsTable(args.table, args.policy, { withDefault: args.withDefault });
  const p = await plan(sql, [t], { now: new Date(args.now) });
  console.log(APPLYING); // the parent may kill us from here on
  const r = await apply(sql, p, {
    ...(args.lockTimeoutMs ? { lockTimeoutMs: args.lockTimeoutMs } : {}),
    allowDestructive: args.allowDestructive ?? false,
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
