// The writer of the stall scenarios, in a worker thread of its own, so that the
// maintenance running on the main thread (its JavaScript included) cannot delay the
// writer's event loop: what it measures is the server's answer time.
//
// workerData: { url, database, table, at, idBase, maxMs }
// Messages in: { stop: tailMs }. Out: { ready: true }, then { latencies (Float64Array), failed, errors: [[code, n]], ms, slowestAt }.
import { parentPort, workerData } from 'node:worker_threads';
import postgres from 'postgres';

const { url, database, table, at, idBase, maxMs } = workerData;
const sql = postgres(url, { ...(database ? { database } : {}), max: 1, onnotice: () => {}, idle_timeout: 20 });
const text = `insert into ${table} (id, at, payload) values ($1, $2, 'writer')`;
let id = idBase;
let stopAt = Number.POSITIVE_INFINITY;
parentPort.on('message', (m) => {
  if (typeof m?.stop === 'number') stopAt = Math.min(stopAt, performance.now() + m.stop);
});

// Warm up: connect and prepare the statement before anything is timed.
await sql.unsafe(text, [id++, at]);
parentPort.postMessage({ ready: true });

let latencies = new Float64Array(1 << 16);
let count = 0;
// The slowest insert: its latency and when it started (ms since the epoch, comparable across threads).
let slowest = -1;
let slowestAt = 0;
let failed = 0;
const errors = new Map();
const t0 = performance.now();
while (performance.now() < stopAt && performance.now() - t0 < maxMs) {
  const s = performance.now();
  try {
    await sql.unsafe(text, [id++, at]);
    if (count === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    const ms = performance.now() - s;
    latencies[count++] = ms;
    if (ms > slowest) {
      slowest = ms;
      slowestAt = performance.timeOrigin + s;
    }
  } catch (e) {
    failed++;
    const code = e?.code ?? String(e?.message ?? e);
    errors.set(code, (errors.get(code) ?? 0) + 1);
  }
  // Let a stop message in even when inserts answer at once.
  if ((count + failed) % 64 === 0) await new Promise((r) => setImmediate(r));
}
const ms = performance.now() - t0;
await sql.end({ timeout: 5 }).catch(() => undefined);
const out = latencies.slice(0, count);
parentPort.postMessage({ latencies: out, failed, errors: [...errors], ms, slowestAt }, [out.buffer]);
