/**
 * Which index statements of a migration move to the migration that runs outside a
 * transaction, and in what order.
 */
import { describe, expect, it } from 'vitest';
import { outsideTransactionMoves } from '../../src/migrations/outside-transaction-moves.js';
import { fileTables } from '../../src/migrations/sql-file.js';

const WAS_CONCURRENT = new Set(['public.users_name_idx', 'app.things_name_idx']);

describe('outsideTransactionMoves', () => {
  it('moves the drop of a .concurrently() index, schema-qualified, and leaves other drops alone', () => {
    const text = 'DROP INDEX "app"."things_name_idx";--> statement-breakpoint\nDROP INDEX "users_name_idx";--> statement-breakpoint\nDROP INDEX "plain_idx";';
    const moves = outsideTransactionMoves(fileTables(text), WAS_CONCURRENT);
    expect(moves.deferred).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS "app"."things_name_idx";', 'DROP INDEX CONCURRENTLY IF EXISTS "users_name_idx";']);
    expect(moves.replacements.map((r) => text.slice(r.start, r.end))).toEqual(['DROP INDEX "app"."things_name_idx";', 'DROP INDEX "users_name_idx";']);
  });

  it('keeps the file order of drops and creates (a changed concurrent index: drop, then build)', () => {
    const text = 'DROP INDEX "users_name_idx";--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "users_name_idx" ON "users" USING btree ("name","id");';
    expect(outsideTransactionMoves(fileTables(text), WAS_CONCURRENT).deferred).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS "users_name_idx";',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_name_idx" ON "users" USING btree ("name","id");',
    ]);
  });

  it('keeps a drop in the transaction when the migration builds an index of the same name there', () => {
    const text = 'DROP INDEX "users_name_idx";--> statement-breakpoint\nCREATE INDEX "users_name_idx" ON "users" USING btree ("name");';
    const moves = outsideTransactionMoves(fileTables(text), WAS_CONCURRENT);
    expect(moves.deferred).toEqual([]);
    expect(moves.replacements).toEqual([]);
    expect(moves.notes.join('\n')).toContain('creates an index of the same name there');
  });

  it('leaves a drop alone when the earlier state did not record the index as concurrent', () => {
    expect(outsideTransactionMoves(fileTables('DROP INDEX "users_name_idx";'), new Set()).deferred).toEqual([]);
  });
});
