// Removes what tsc left in dist/ from sources that no longer exist (a renamed or deleted .ts
// keeps its old .js, .d.ts and .js.map there, and the package would ship them). Runs after tsc;
// files of sources that exist are left alone, so nothing reading dist/ meanwhile sees a gap.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

/** dist/src/a/b.js(.map) or .d.ts → src/a/b.ts; other files have no source to compare. */
function sourceOf(file) {
  const m = /^dist\/(.+)(?:\.js|\.js\.map|\.d\.ts|\.d\.ts\.map)$/.exec(file);
  return m && `${m[1]}.ts`;
}

function prune(dir) {
  let left = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      const kept = prune(path);
      if (kept === 0) rmSync(path, { recursive: true });
      left += kept > 0 ? 1 : 0;
      continue;
    }
    const source = sourceOf(path);
    let exists = false;
    try {
      exists = source !== null && statSync(source).isFile();
    } catch {
      exists = false;
    }
    if (exists) left++;
    else {
      rmSync(path);
      console.log(`prune-dist: removed ${path}`);
    }
  }
  return left;
}

for (const dir of ['dist/src', 'dist/grammar']) {
  try {
    statSync(dir);
  } catch {
    continue;
  }
  prune(dir);
}
