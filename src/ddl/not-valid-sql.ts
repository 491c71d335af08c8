/**
 * SQL for constraints added to existing tables without the validating scan:
 * `ADD CONSTRAINT ... NOT VALID`, the `VALIDATE CONSTRAINT` that follows in a
 * migration run outside a transaction, and, for a foreign key on a partitioned
 * table, a block that adds it NOT VALID only where PostgreSQL can (18 and later).
 */
import { quotedSpanEnd } from '../sql/quoted-span.js';
import { dollarQuote, numericLiteral, quoteIdent, quoteLiteral, quoteQualified, type QualifiedName } from '../sql/quote.js';

/** PostgreSQL 18 is the first to add a NOT VALID foreign key to a partitioned table. */
export const NOT_VALID_FK_ON_PARTITIONED = 180000;

/**
 * drizzle-kit's `ALTER TABLE ... ADD CONSTRAINT ...;` statement with ` NOT VALID`
 * before its `;` (a statement that already says NOT VALID is returned as it is).
 *
 * @example
 * ```ts
 * addNotValidSql('ALTER TABLE "orders" ADD CONSTRAINT "orders_total_check" CHECK ("total" >= 0);');
 * // 'ALTER TABLE "orders" ADD CONSTRAINT "orders_total_check" CHECK ("total" >= 0) NOT VALID;'
 * ```
 */
export function addNotValidSql(statement: string): string {
  const body = statement.trimEnd().replace(/;$/, '').trimEnd();
  return /\bNOT\s+VALID$/i.test(body) ? `${body};` : `${body} NOT VALID;`;
}

/**
 * drizzle-kit 0.31 writes a check's columns qualified with the table's name
 * (`CHECK ("events"."n" >= 0)`). `ALTER TABLE ... ADD CONSTRAINT` on a partitioned
 * table checks the expression on each partition, where that name is unknown, and
 * fails ("missing FROM-clause entry for table"): this drops the qualification
 * (outside string literals and quoted text other than those references).
 *
 * @example
 * ```ts
 * unqualifiedCheckSql('ALTER TABLE "events" ADD CONSTRAINT "c" CHECK ("events"."n" >= 0);', 'events');
 * // 'ALTER TABLE "events" ADD CONSTRAINT "c" CHECK ("n" >= 0);'
 * ```
 */
export function unqualifiedCheckSql(statement: string, table: string): string {
  const at = statement.search(/\bCHECK\s*\(/i);
  if (at < 0) return statement;
  const prefix = `${quoteIdent(table)}.`;
  let out = statement.slice(0, at);
  for (let i = at; i < statement.length; ) {
    if (statement.startsWith(prefix, i) && statement[i + prefix.length] === '"') {
      i += prefix.length;
      continue;
    }
    const ch = statement[i]!;
    if (ch === "'" || ch === '"') {
      const end = quotedSpanEnd(statement, i);
      out += statement.slice(i, end);
      i = end;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/**
 * Validates a constraint added NOT VALID: scans the rows under a SHARE UPDATE
 * EXCLUSIVE lock, which lets reads and writes go on. On a partitioned table it
 * validates the partitions too; on a valid constraint it does nothing.
 *
 * @example
 * ```ts
 * validateConstraintSql({ name: 'orders' }, 'orders_user_fk'); // 'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_fk";'
 * ```
 */
export function validateConstraintSql(table: QualifiedName, constraint: string): string {
  return `ALTER TABLE ${quoteQualified(table)} VALIDATE CONSTRAINT ${quoteIdent(constraint)};`;
}

/**
 * A foreign key added to an existing partitioned table: PostgreSQL 13 to 17 refuse
 * `NOT VALID` there ("cannot add NOT VALID foreign key on partitioned table"), so the
 * block adds it NOT VALID on 18 and later, and before 18 adds it validated at once,
 * with a notice that says so. It runs in a transaction (drizzle-kit migrate too).
 *
 * @example
 * ```ts
 * partitionedForeignKeySql({ name: 'events' }, 'events_user_fk', 'ALTER TABLE "events" ADD CONSTRAINT "events_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");');
 * // DO $drizzle_partitions$ BEGIN IF current_setting('server_version_num')::int >= 180000 THEN EXECUTE '... NOT VALID'; ELSE RAISE NOTICE ...; EXECUTE '...'; END IF; END $drizzle_partitions$;
 * ```
 */
export function partitionedForeignKeySql(table: QualifiedName, constraint: string, statement: string): string {
  const plain = statement.trimEnd().replace(/;$/, '').trimEnd();
  const notValid = addNotValidSql(plain).replace(/;$/, '');
  const what = `foreign key ${quoteIdent(constraint)} on partitioned table ${quoteQualified(table)}`;
  const notice = `drizzle-partitions: PostgreSQL before 18 cannot add a NOT VALID foreign key to a partitioned table, so ${what} is added and validated at once (holding SHARE ROW EXCLUSIVE on both tables during the scan)`;
  const body = [
    ` BEGIN IF current_setting('server_version_num')::int >= ${numericLiteral(NOT_VALID_FK_ON_PARTITIONED)} THEN`,
    `EXECUTE ${quoteLiteral(notValid)};`,
    `ELSE RAISE NOTICE '%', ${quoteLiteral(notice)};`,
    `EXECUTE ${quoteLiteral(plain)};`,
    'END IF; END ',
  ].join('\n');
  return `DO ${dollarQuote(body)};`;
}
