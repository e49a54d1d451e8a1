// Shared by the browser tests: the built web IDE (BERTH_WEB_DIR, or built
// here into a temp dir), a Berth with containers serving it, Debian's
// chromium through playwright-core, screenshots and axe-core scans.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { chromium } from "playwright-core";
import { removeContainers, startRuntimeBerth } from "../js/docker/helpers.mjs";

const root = new URL("../../", import.meta.url).pathname;
export const ARTIFACTS = process.env.BERTH_E2E_ARTIFACTS ?? join(root, "build", "e2e-artifacts");
export const PASSWORD = "correct horse battery";
export const CHROMIUM = process.env.BERTH_E2E_CHROMIUM ?? "/usr/bin/chromium";

/** The bundle to serve: BERTH_WEB_DIR when it holds one, else a fresh build. */
export function webDir() {
  const given = process.env.BERTH_WEB_DIR;
  if (given && existsSync(join(given, "index.html"))) return { dir: given, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "berth-web-"));
  execFileSync(process.execPath, [join(root, "web", "build.mjs"), "--out", dir], { stdio: "inherit" });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A Berth with containers that serves the IDE at `/` itself (net/StaticSite): checked, never assumed.
 * With `port` (and `dataDir`, which stays the caller's to remove; `env` adds
 * to the server's) it listens there: a restart passes the same two again
 * (tests/js/lib/berth.mjs's startBerth with `port`, `dataDir` and SQLite).
 */
export async function startIdeBerth(dir, { port, dataDir, env = {} } = {}) {
  const berth = port
    ? await startRuntimeBerth({ BERTH_WEB_DIR: dir, ...env }, { port, dataDir, database: false })
    : await startRuntimeBerth({ BERTH_WEB_DIR: dir });
  const index = readFileSync(join(dir, "index.html"), "utf8");
  const served = await fetch(berth.url + "/").then((r) => r.text(), () => "");
  if (served !== index) {
    await berth.stop();
    throw new Error(`berth serve does not answer / with ${dir}/index.html`);
  }
  return { berth, url: berth.url, stop: () => berth.stop() };
}

/**
 * Records, in the page as it is (an SPA: it stays the same document), every
 * text the status bar's state shows (from the mutation records, so two
 * updates in one task are both seen) and every project:status the page's
 * socket receives (hooked when the project page sets window.berthProject,
 * or at once on the one already open). In window.__statusLog.
 */
export async function recordStatus(p) {
  await p.evaluate(() => {
    const log = (window.__statusLog = { shown: [], received: [] });
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target.nodeType === Node.TEXT_NODE ? r.target.parentElement : r.target;
        if (el?.id !== "project-state") continue;
        const texts = r.type === "childList" ? [...r.addedNodes].map((n) => n.textContent) : [el.textContent];
        for (const text of texts) if (text && log.shown.at(-1) !== text) log.shown.push(text);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
    let value = window.berthProject;
    value?.socket.on("project:status", (s) => log.received.push(s));
    Object.defineProperty(window, "berthProject", {
      configurable: true,
      get: () => value,
      set: (v) => {
        value = v;
        v?.socket.on("project:status", (s) => log.received.push(s));
      },
    });
  });
}

/** A file's browser with one page (its console watched), as each e2e file starts. */
export async function browserWithPage(label = "owner") {
  const browser = await launchBrowser();
  const page = await (await browser.newContext()).newPage();
  return { browser, page, errors: watchConsole(page, label) };
}

/** The end of a file's run: the page's errors said, the browser and the server stopped, the project's container gone. */
export async function endRun({ errors, browser, server, projectId }) {
  if (errors?.length) console.log(errors.join("\n"));
  await browser?.close();
  await server?.stop();
  if (projectId) removeContainers([projectId]);
}

// One chromium for the whole file (never two at once: the machine is small).
// playwright-core starts it on a fresh temporary profile (user-data dir) of
// its own and removes it on close; each user gets a context of their own.
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  return {
    browser,
    /** a user of their own: cookies and localStorage apart */
    newContext: (options = {}) => browser.newContext({ viewport: { width: 1280, height: 800 }, ...options }),
    close: () => browser.close(),
  };
}

let shots = 0;
// node --test runs each file in a process of its own: each file's
// screenshots are named after it, and a run removes only its own file's.
const suite = basename(process.argv[1] ?? "e2e").replace(/\.test\.mjs$/, "");
/** A screenshot of the step under build/e2e-artifacts/ as <file>-NN-<name>.png (the last run's of this file are removed first). */
export async function screenshot(page, name) {
  if (shots === 0 && existsSync(ARTIFACTS))
    for (const f of readdirSync(ARTIFACTS)) if (f.startsWith(`${suite}-`) && f.endsWith(".png")) rmSync(join(ARTIFACTS, f), { force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${suite}-${String(++shots).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Logs the browser's console errors and failed pages into the test output. */
export function watchConsole(page, label) {
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(`[${label}] console: ${m.text()}`));
  page.on("pageerror", (e) => errors.push(`[${label}] page error: ${e.message}`));
  return errors;
}

const AXE = readFileSync(join(root, "node_modules", "axe-core", "axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page as it is. */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol: Berth's CSP allows no inline script.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + n.failureSummary) }));
  });
  const bad = (v) => v.impact === "serious" || v.impact === "critical";
  const minor = result.filter((v) => !bad(v));
  if (minor.length) console.log(`axe, ${new URL(page.url()).pathname}: ${minor.map((v) => `${v.id} (${v.impact})`).join(", ")}`);
  return result.filter(bad);
}

let counter = 0;
export const uniqueEmail = (name) => `${name}-${process.pid}-${++counter}@example.test`;

/** Signs up through the page; answers the user id the account menu shows. */
export async function signUpInPage(page, url, { email, name }) {
  await page.goto(url + "/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Name (optional)").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
  return page.locator("[data-user-id]").first().getAttribute("data-user-id");
}

/** The visible text of the terminal in front. */
export async function terminalText(page) {
  return page.locator(".terminal-host:not([hidden]) .xterm-rows").innerText().catch(() => "");
}

/** The text of the editor in front (Monaco's rendered lines). */
export async function editorText(page) {
  return page.locator(".editor-host .view-lines").innerText().catch(() => "");
}

export async function until(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
