// Bundles the browser pages of cloudide-server into server/static/ (`make web`).
//
// The output is committed, so a wheel built from a fresh clone carries it without node;
// tests/browser/test_assets.py builds again into a temporary folder and fails if the
// committed files differ from what these sources and the locked packages make.
//
//   node build.mjs [OUT_DIR]      (default: ../server/static)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { mkdirSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = path.resolve(process.argv[2] ?? path.join(here, '..', 'server', 'static'));
mkdirSync(wanted, { recursive: true });
// the real path: the chunk's hash depends on the way from the sources to it
const outdir = realpathSync(wanted);

// what an earlier build left (a chunk of another hash) goes first
for (const name of readdirSync(outdir, { withFileTypes: true })) {
  if (name.isFile() && /\.(js|css)$/.test(name.name)) rmSync(path.join(outdir, name.name));
}

await build({
  entryPoints: {
    ide: path.join(here, 'src', 'ide.js'),
    share: path.join(here, 'src', 'share.js'),
  },
  absWorkingDir: here,  // the hashes depend on paths from here: the same from any cwd
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true,  // xterm.js once, in a chunk both pages load
  chunkNames: 'xterm-[hash]',
  target: ['es2020'],
  outdir,
  legalComments: 'eof',  // xterm.js' MIT notices stay in the files
  external: ['/fonts/*'],  // served by the server from textual-serve's package
  logLevel: 'warning',
});
console.log(`built ide.js, share.js (+ .css) into ${outdir}`);
