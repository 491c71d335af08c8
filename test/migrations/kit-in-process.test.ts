/**
 * Which drizzle-kit runs inside our process (generate on the CLI): 0.31, whose bin.cjs
 * is patched at its one top-level runner call; 1.0 (jiti, nothing to reuse) and
 * anything else run as a child.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inProcessKitSource } from '../../src/migrations/kit-in-process.js';
import { DRIZZLE_1_MODULES, REPO_ROOT } from '../support/project.js';

describe('inProcessKitSource', () => {
  it('patches drizzle-kit 0.31: its runner deferred and its tsx exported, the rest of bin.cjs as it is', () => {
    const bin = join(REPO_ROOT, 'node_modules', 'drizzle-kit', 'bin.cjs');
    const source = inProcessKitSource(bin);
    expect(source).toBeDefined();
    const original = readFileSync(bin, 'utf8');
    expect(source!.split('module.exports.__drizzlePartitionsRun = () => run([generate, migrate,')).toHaveLength(2);
    expect(source!.endsWith('\nmodule.exports.__drizzlePartitionsTsx = require_api;\n')).toBe(true);
    expect(source!.replace('module.exports.__drizzlePartitionsRun = () => ', '').replace('\nmodule.exports.__drizzlePartitionsTsx = require_api;\n', '')).toBe(original);
  });

  it('leaves drizzle-kit 1.0 to a child process', () => {
    expect(inProcessKitSource(join(DRIZZLE_1_MODULES, 'drizzle-kit', 'bin.cjs'))).toBeUndefined();
  });
});
