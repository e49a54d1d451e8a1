#!/usr/bin/env node
// Builds the web IDE: `node web/build.mjs --out DIR [--dev]` writes
// DIR/index.html and DIR/assets/ (content-hashed names): the app as ES
// modules (lazy chunks for Monaco's languages), its CSS with the codicon
// font, and Monaco's editor worker as a bundle of its own. Nothing is
// fetched at run time: every asset is served by `berth serve` (BERTH_WEB_DIR).
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

function parseArgs(argv) {
  const args = { out: null, dev: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") args.out = argv[++i];
    else if (argv[i].startsWith("--out=")) args.out = argv[i].slice(6);
    else if (argv[i] === "--dev") args.dev = true;
    else throw new Error(`unknown argument ${argv[i]} (usage: node web/build.mjs --out DIR [--dev])`);
  }
  if (!args.out) throw new Error("usage: node web/build.mjs --out DIR [--dev]");
  return args;
}

const args = parseArgs(process.argv.slice(2));
const out = resolve(args.out);
const assets = join(out, "assets");
// Only what a build writes is replaced: old hashed assets go, the rest stays.
rmSync(assets, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const common = {
  bundle: true,
  minify: !args.dev,
  sourcemap: args.dev ? "inline" : false,
  target: ["es2022"],
  logLevel: "warning",
  legalComments: "none",
  absWorkingDir: root,
  metafile: true,
  write: true,
};

// The editor worker first: the app learns its hashed name through `define`.
const worker = await build({
  ...common,
  entryPoints: { "editor.worker": "monaco-editor/editor/editor.worker.js" },
  format: "iife",
  outdir: assets,
  entryNames: "[name]-[hash]",
});
const workerFile = outputOf(worker, (o) => o.entryPoint);

const app = await build({
  ...common,
  entryPoints: { app: "web/src/main.ts" },
  format: "esm",
  splitting: true,
  outdir: assets,
  publicPath: "/assets/",
  entryNames: "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  assetNames: "[name]-[hash]",
  loader: { ".ttf": "file", ".woff": "file", ".woff2": "file", ".svg": "file", ".png": "file" },
  define: {
    __EDITOR_WORKER_URL__: JSON.stringify("/assets/" + basename(workerFile)),
    "process.env.NODE_ENV": JSON.stringify(args.dev ? "development" : "production"),
  },
});
const appJs = outputOf(app, (o, path) => path.endsWith(".js") && basename(path).startsWith("app-"));
const appCss = outputOf(app, (o, path) => path.endsWith(".css") && basename(path).startsWith("app-"));
// esbuild puts the CSS of lazily imported modules in files of their own that
// nothing loads: the page links them all, before the app's own (which wins).
const chunkCss = Object.keys(app.metafile.outputs).filter((p) => p.endsWith(".css") && !basename(p).startsWith("app-"));

const template = readFileSync(join(here, "index.html"), "utf8");
const html = template
  .replace('  <link rel="stylesheet" href="%APP_CSS%">', [...chunkCss, appCss].map((p) => `  <link rel="stylesheet" href="/assets/${basename(p)}">`).join("\n"))
  .replace("%APP_JS%", "/assets/" + basename(appJs));
writeFileSync(join(out, "index.html"), html);

const files = Object.keys(app.metafile.outputs).length + Object.keys(worker.metafile.outputs).length;
console.log(`web: ${files} files in ${args.out} (index.html, ${basename(appJs)}, ${basename(appCss)}, ${basename(workerFile)})`);

function outputOf(result, pick) {
  for (const [path, o] of Object.entries(result.metafile.outputs)) if (pick(o, path)) return resolve(root, path);
  throw new Error("build: an expected output is missing");
}
