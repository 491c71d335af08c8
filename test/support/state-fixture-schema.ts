/**
 * The schema of test/migrations/fixtures/state-v1.json: partitioned tables covering
 * every kind of key value a state file records (timestamptz, timestamp, date, bigint,
 * smallint, numeric, real, text with a quote and a backslash, enum, boolean, uuid, an
 * expression key), range, list, hash and default partitions, MINVALUE/MAXVALUE,
 * a two-column range, sub-partitions, a tablespace and a pgSchema.
 *
 * The fixture is the state drizzle-partitions 0.1.0 (state version 1) writes for this
 * schema under `casing: 'snake_case'`. Do not regenerate it when the rendering changes:
 * it stands for state files already in users' repositories, which must keep comparing
 * equal to this schema.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, date, integer, numeric, pgEnum, pgSchema, pgTable, real, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { expression, getPartitioning, hash, list, MAXVALUE, MINVALUE, partitioned, range, type Partitioning } from '../../src/index.js';

export const FIXTURE_RENDER = { casing: 'snake_case' } as const;

export function fixtureSchema(): Partitioning[] {
  const mood = pgEnum('mood', ['sad', 'ok', 'happy']);
  const app = pgSchema('app');
  const events = partitioned(
    pgTable('events', { at: timestamp({ withTimezone: true }).notNull(), tenant: integer().notNull(), kind: text().notNull() }),
    (t) =>
      range(t.at, {
        partitions: [
          { from: MINVALUE, to: '2026-01-01', name: 'events_old' },
          { from: '2026-01-01', to: '2026-02-01', partitionBy: hash(t.tenant, { partitions: 2 }) },
          { from: '2026-02-01', to: '2026-02-01T12:30:00.25Z', tablespace: 'fast' },
        ],
        default: {},
      }),
  );
  const prices = partitioned(app.table('prices', { price: numeric().notNull(), region: text().notNull() }), (t) =>
    list(t.price, { partitions: [{ values: ['1.50', 2], name: 'prices_a' }, { values: [-3.25], name: 'prices_b' }] }),
  );
  const notes = partitioned(pgTable('notes', { tag: text().notNull(), m: mood().notNull() }), (t) =>
    list(t.tag, {
      partitions: [
        { values: ["o'brien", 'a\\b'], name: 'notes_q' },
        { values: ['eu', 'uk', null], name: 'notes_eu', partitionBy: list(t.m, { partitions: [{ values: ['sad', 'ok'], name: 'notes_eu_low' }, { values: ['happy'], name: 'notes_eu_high' }] }) },
      ],
    }),
  );
  const readings = partitioned(pgTable('readings', { day: date().notNull(), seq: bigint({ mode: 'bigint' }).notNull(), ts: timestamp().notNull() }), (t) =>
    range([t.day, t.seq], {
      partitions: [
        { from: ['2026-01-01', MINVALUE], to: ['2026-01-01', 1000n], name: 'readings_a', partitionBy: range(t.ts, { partitions: [{ from: '2026-01-01', to: '2026-01-01 06:00', name: 'readings_a_am' }] }) },
        { from: ['2026-01-01', 1000n], to: [MAXVALUE, MAXVALUE], name: 'readings_b' },
      ],
    }),
  );
  const flags = partitioned(pgTable('flags', { on: boolean().notNull(), id: uuid().notNull(), s: smallint().notNull() }), (t) =>
    list(t.on, {
      partitions: [
        { values: [true], name: 'flags_on', partitionBy: list(t.id, { partitions: [{ values: ['6F9619FF-8B86-D011-B42D-00C04FC964FF'], name: 'flags_on_x' }] }) },
        { values: [false], name: 'flags_off', partitionBy: range(t.s, { partitions: [{ from: -5, to: 5, name: 'flags_off_s' }] }) },
      ],
    }),
  );
  const logs = partitioned(pgTable('logs', { at: timestamp({ withTimezone: true }).notNull(), r: real().notNull() }), (t) =>
    range(expression(sql`date_trunc('day', ${t.at})`, 'timestamptz'), {
      partitions: [{ from: '2026-01-01', to: '2026-01-02', name: 'logs_d1', partitionBy: range(t.r, { partitions: [{ from: -1.5, to: 1e3, name: 'logs_d1_r' }] }) }],
    }),
  );
  return [events, prices, notes, readings, flags, logs].map((t) => getPartitioning(t)!);
}
