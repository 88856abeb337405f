// Packages the extension as lossc-<version>.vsix with @vscode/vsce.
// Needs: Node 20 or later (vsce 3.9.2 is the newest that runs on Node 20; vsce 4 needs Node 22),
// npm with access to the registry (to install vscode-languageclient and run vsce), and the
// syntaxes/ and language-configuration.json written by `npx tsx grammar/textmate-write.ts`
// at the repository's root (checked current by test/textmate.test.ts).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const VSCE = '@vscode/vsce@3.9.2';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`package: Node ${process.versions.node} is too old; ${VSCE} needs Node 20 or later`);
  process.exit(1);
}
for (const f of ['syntaxes/loss.tmLanguage.json', 'language-configuration.json', 'extension.js']) {
  if (!existsSync(join(here, f))) {
    console.error(`package: ${f} is missing; run npx tsx grammar/textmate-write.ts at the repository's root`);
    process.exit(1);
  }
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
execFileSync(npm, ['install', '--omit=dev', '--no-package-lock'], { cwd: here, stdio: 'inherit' });
execFileSync(npx, ['--yes', VSCE, 'package', '--allow-missing-repository'], { cwd: here, stdio: 'inherit' });
