/**
 * snapshotFolder: taking back what a tool wrote into a folder removes exactly the new
 * files and folders, puts the kept files' bytes back, and never removes what was there.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotFolder } from '../../src/migrations/folder-snapshot.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dp-folder-snapshot-'));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

/** Every file under `dir` with its content. */
function contents(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, contents(dir, path));
    else out[path] = readFileSync(join(dir, path), 'utf8');
  }
  return out;
}

describe('snapshotFolder', () => {
  it('removes new files and folders, restores the kept file, keeps the rest', () => {
    const dir = tree({ '0000_init.sql': 'a', 'meta/_journal.json': '{"entries":[1]}', 'meta/0000_snapshot.json': 's0', 'meta/_partitions/0000_init.json': 'p0' });
    const before = contents(dir);
    const snap = snapshotFolder(dir, ['meta/_journal.json']);
    writeFileSync(join(dir, '0001_x.sql'), 'b');
    writeFileSync(join(dir, 'meta/0001_snapshot.json'), 's1');
    writeFileSync(join(dir, 'meta/_journal.json'), '{"entries":[1,2]}');
    mkdirSync(join(dir, '20260101000000_x/deep'), { recursive: true });
    writeFileSync(join(dir, '20260101000000_x/deep/migration.sql'), 'c');
    expect(snap.restore()).toEqual({ removed: ['0001_x.sql', '20260101000000_x', 'meta/0001_snapshot.json'], restored: ['meta/_journal.json'], folder: false });
    expect(contents(dir)).toEqual(before);
  });

  it('changes nothing when nothing was added', () => {
    const dir = tree({ 'a.sql': 'a', 'meta/_journal.json': 'j' });
    expect(snapshotFolder(dir, ['meta/_journal.json']).restore()).toEqual({ removed: [], restored: [], folder: false });
    expect(contents(dir)).toEqual({ 'a.sql': 'a', 'meta/_journal.json': 'j' });
  });

  it('removes a folder that did not exist before', () => {
    const parent = tree({ 'keep.txt': 'k' });
    const dir = join(parent, 'drizzle');
    const snap = snapshotFolder(dir, ['meta/_journal.json']);
    mkdirSync(join(dir, 'meta'), { recursive: true });
    writeFileSync(join(dir, '0000_init.sql'), 'a');
    writeFileSync(join(dir, 'meta/_journal.json'), 'j');
    expect(snap.restore()).toEqual({ removed: ['0000_init.sql', 'meta'], restored: [], folder: true });
    expect(existsSync(dir)).toBe(false);
    expect(contents(parent)).toEqual({ 'keep.txt': 'k' });
  });
});
