/**
 * `convert <plan|apply|status|undo|drop-old> --table <name>` (each a subcommand of its
 * own, its flags checked by main.ts): the online conversion of
 * a live plain table into the partitioned table the schema defines (or of a
 * partitioned table back into the plain one it defines), from the command line. Exit codes: 0 done, 1 the conversion failed or was refused, 2 usage or
 * connection errors.
 */
import { loadDrizzleConfig } from '../project/config.js';
import { loadSchema } from '../project/load-schema.js';
import { conversionTarget } from '../migrations/conversion-target.js';
import { openLayout } from '../migrations/open-layout.js';
import { PostprocessError } from '../errors.js';
import { partitionedTableObjects } from '../migrations/statements.js';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { getPartitioning } from '../schema/partitioned-table.js';
import { conversionStatus, conversionTableOf, convertTable, dropConvertedOriginal, planConversion, undoConversion, type ConversionStatus } from '../runtime/convert/convert.js';
import { toJson, type Values } from './args.js';
import type { ConvertAction } from './commands.js';
import { withDatabase } from './connect.js';
import type { CliIo } from './io.js';
import { qualifiedLabel } from '../sql/quote.js';

function statusLines(s: ConversionStatus): string[] {
  const t = `${s.table.schema}.${s.table.name}`;
  if (s.phase === 'none') return [`${t}: no conversion (the table is ${s.live})`];
  return [
    `${t}: ${s.phase} (the table is ${s.live})`,
    `  rows copied: ${s.rowsCopied}${s.sourceRows !== null ? `, verified: ${s.sourceRows}` : ''}`,
    ...(s.phase === 'swapped' ? [`  ${s.old}: ${s.oldKept ? 'kept, receiving every write (undo swaps back; drop-old --yes drops it)' : 'gone'}`] : []),
    ...(s.phase === 'undone' ? [`  ${s.shadow}: kept in step (apply swaps again; drop-old --yes drops it)`] : []),
  ];
}

/** Runs `convert <action>` with its parsed options (commands.ts); returns the exit code. */
export async function runConvert(action: ConvertAction, v: Values, io: CliIo): Promise<number> {
  const text = (name: string) => v[name] as string | undefined;
  const only = text('table')!;
  const config = await loadDrizzleConfig({ config: text('config') });
  const schema = await loadSchema({ schema: config.schema, cwd: config.cwd });
  // the partitioned definition (plain to partitioned), else a plain table of that name (back)
  const named = (q: { schema?: string; name: string }) => q.name === only || qualifiedLabel(q) === only;
  const table =
    partitionedTableObjects(schema.exports).find((t) => named(getPartitioning(t)!.table)) ??
    Object.values(schema.exports).find((t): t is PgTable => is(t, PgTable) && !getPartitioning(t) && named(conversionTableOf(t)));
  if (!table) {
    io.err(`drizzle-partitions: --table ${only}: no table of that name in ${config.schema.join(', ')}; convert turns a table into the partitioned (or plain) table the schema defines`);
    return 2;
  }
  // the declared partitions the conversion's own migration recorded (later migrations add
  // the rest); a project without migrations (push) builds every declared partition
  const target = conversionTableOf(table);
  const layout = (() => {
    try {
      return openLayout(config.out, { prefix: config.prefix, breakpoints: config.breakpoints });
    } catch (e) {
      if (e instanceof PostprocessError && e.code === 'NO_MIGRATIONS') return undefined;
      throw e;
    }
  })();
  const recorded = layout && conversionTarget(layout, qualifiedLabel(target));
  const declaredPartitions = recorded?.table?.partitions.map((x) => x.name);
  const json = v.json === true;
  const lock = { lockTimeoutMs: v['lock-timeout'] as number | undefined };
  return withDatabase({ flag: text('url'), dbCredentials: config.dbCredentials, cwd: config.cwd }, io.err, async (db) => {
    switch (action) {
      case 'plan': {
        const p = await planConversion(db, table, { now: (v.now as Date | undefined) ?? new Date(), casing: config.casing, declaredPartitions });
        if (json) io.out(toJson(p));
        else {
          io.out(`${p.table.schema}.${p.table.name}: ${p.phase === 'partitioned' || p.phase === 'plain' ? `${p.phase} already; nothing to do` : p.phase === 'none' ? `about ${p.estimatedRows} row(s) to copy` : `at ${p.phase}`}`);
          for (const s of p.steps) io.out(`  - ${s}`);
          if (p.partitions.length) io.out(`  partitions: ${p.partitions.map((x) => x.name).join(', ')}`);
          if (p.foreignKeys.length) io.out(`  foreign keys re-pointed: ${p.foreignKeys.join(', ')}`);
          if (p.views.length) io.out(`  views re-made: ${p.views.join(', ')}`);
          if (p.triggers.length) io.out(`  triggers carried over: ${p.triggers.join(', ')}`);
        }
        return 0;
      }
      case 'apply': {
        let waitingFor = '';
        const r = await convertTable(db, table, {
          ...lock,
          batchRows: v['batch-rows'] as number | undefined,
          snapshotWaitMs: v['snapshot-wait'] as number | undefined,
          now: (v.now as Date | undefined) ?? new Date(),
          casing: config.casing,
          declaredPartitions,
          onProgress: (e) => {
            if (!e.waitingFor) return io.err(`  ${e.phase}${e.rowsCopied !== undefined ? `: ${e.rowsCopied} row(s) copied` : ''}`);
            // said once for each set of sessions waited for, not at every look
            const who = e.waitingFor.map((h) => `${h.pid}${h.application ? ` (${h.application}, ${h.state})` : ''}`).join(', ');
            if (who !== waitingFor) io.err(`  waiting for transactions older than the copy to end before the swap: pid ${who}`);
            waitingFor = who;
          },
        });
        if (json) io.out(toJson(r));
        else io.out(`${r.table.schema}.${r.table.name}: ${r.phase}${r.verification ? `, ${r.verification.rows} row(s) verified` : ''}${r.foreignKeys.length ? `; foreign keys re-pointed: ${r.foreignKeys.join(', ')}` : ''}`);
        return 0;
      }
      case 'status': {
        const s = await conversionStatus(db, table);
        if (json) io.out(toJson(s));
        else for (const l of statusLines(s)) io.out(l);
        return 0;
      }
      case 'undo': {
        const s = await undoConversion(db, table, lock);
        if (json) io.out(toJson(s));
        else for (const l of statusLines(s)) io.out(l);
        return 0;
      }
      case 'drop-old': {
        const r = await dropConvertedOriginal(db, table, { ...lock, confirm: true });
        if (json) io.out(toJson(r));
        else io.out(r.dropped ? `dropped ${r.dropped}` : 'no conversion recorded; nothing dropped');
        return 0;
      }
    }
  });
}
