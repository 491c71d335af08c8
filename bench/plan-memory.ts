/**
 * Scenario 2's memory probe, run as a child process of its own so that its resident
 * memory is that of one call alone: `node --import tsx bench/plan-memory.ts <url>
 * <plan|list> <premake>` connects, calls plan() or listPartitions() once on `events`
 * and prints `{"maxRssBytes": ...}` (process.resourceUsage().maxRSS: the peak,
 * Node's own start-up included).
 */
import { listPartitions, plan } from '../src/index.js';
import { eventsTable } from './data.js';
import { client } from './lib.js';

const [url, what, premake] = process.argv.slice(2);
if (!url || (what !== 'plan' && what !== 'list')) {
  console.error('usage: plan-memory.ts <url> <plan|list> <premake>');
  process.exit(2);
}
const sql = client(url, 1);
try {
  const t = eventsTable('events', { interval: '1 day', premake: Number(premake ?? 4) });
  if (what === 'plan') await plan(sql, [t], { now: new Date() });
  else await listPartitions(sql, t);
} finally {
  await sql.end();
}
console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
