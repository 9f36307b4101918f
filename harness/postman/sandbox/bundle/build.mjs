#!/usr/bin/env node
/*
 * Bundle Postman's sandbox libraries (the npm packages pinned in package.json) for the embedded V8
 * with esbuild: entry-core.js -> ../js/dist/core.js (loaded with every context) and entry.js ->
 * ../js/dist/libraries.js (loaded when a script uses it). Run by `npm ci` / `npm install` through
 * package.json's "postinstall"; the output is git-ignored and engine.py names this command when it
 * is missing.
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'js', 'dist');
// packages of the core bundle: the second bundle uses the core's copy (one lodash, one Buffer class)
const CORE = ['atob', 'btoa', 'buffer', 'chai', 'lodash', 'liquid-json', 'uuid'];

const common = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { global: 'globalThis' },
  // Node built-ins the packages require, resolved to browserify's polyfills (as postman-sandbox does);
  // buffer, events, util, url, assert, punycode and string_decoder are npm packages of the same name
  alias: { path: 'path-browserify', stream: 'stream-browserify', querystring: 'querystring-es3', timers: 'timers-browserify' }
};

// moment.min tries require('./locale/' + name) in a try/catch; Postman ships no locales either
const noMomentLocales = {
  name: 'no-moment-locales',
  setup(b) {
    b.onLoad({ filter: /moment[\\/]min[\\/]moment\.min\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const patched = text.replace('require("./locale/"+', '(function(){throw new Error("no locales")})(');
      if (patched === text) { throw new Error('moment.min.js changed: its locale require() was not found'); }
      return { contents: patched, loader: 'js' };
    });
  }
};

const fromCore = {
  name: 'from-core',
  setup(b) {
    const filter = new RegExp('^(' + CORE.map((n) => n.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')).join('|') + ')/?$');
    b.onResolve({ filter }, (args) => ({ path: args.path.replace(/\/$/, ''), namespace: 'core' }));
    b.onLoad({ filter: /.*/, namespace: 'core' }, (args) => ({
      contents: `module.exports = globalThis.__pmLibs.load(${JSON.stringify(args.path === 'liquid-json' ? 'json' : args.path)});`,
      loader: 'js'
    }));
  }
};

await build({ ...common, entryPoints: [join(here, 'entry-core.js')], outfile: join(dist, 'core.js'),
  inject: [join(here, 'shims.js')] });
await build({ ...common, entryPoints: [join(here, 'entry.js')], outfile: join(dist, 'libraries.js'),
  inject: [join(here, 'shims.js')], plugins: [fromCore, noMomentLocales] });
console.log(`sandbox libraries bundled into ${dist}`);
