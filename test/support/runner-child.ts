/**
 * Child process of runner.test.ts: an application process that starts the maintenance
 * runner on a test database and lives until it is killed.
 *
 *   node --import tsx test/support/runner-child.ts <json args>
 *
 * args: { url, table, name, every, now, applicationName }
 * Prints `run <outcome>` after each run it carried out as the maintainer, `waiting`
 * after each check that found another runner maintaining, `error <message>` for each
 * error given to onError.
 */
import postgres from 'postgres';
import { startMaintenance } from '../../src/index.js';
import { databaseFromUrl } from '../harness/client.js';
import { eventsTable } from './fixtures.js';

interface Args {
  url: string;
  table: string;
  name: string;
  every: number;
  now: string;
  applicationName: string;
}

const args = JSON.parse(process.argv[2]!) as Args;
const database = databaseFromUrl(args.url);
const sql = postgres(args.url, { ...(database ? { database } : {}), max: 3, onnotice: () => {}, connection: { application_name: args.applicationName } });
startMaintenance(sql, [eventsTable(args.table, { interval: '1 day', premake: 1 })], {
  every: args.every,
  name: args.name,
  planOptions: { now: new Date(args.now) },
  onRun: (r) => console.log(`run ${r.outcome}`),
  onWait: () => console.log('waiting'),
  onError: (e) => console.log(`error ${(e as Error).message}`),
});
// the runner's timers are unref()ed: this keeps the process alive until it is killed
setInterval(() => {}, 60_000);
