// A Berth restart while the project page is open: Debian's chromium against
// a real Berth with containers that this file stops (SIGTERM) and starts
// again on the same data dir and the same port. The page must say it is
// disconnected, keep what is in its editor, reconnect by itself, and go on
// working (the tree, the tabs, a save that reaches the server). A restart
// ends Berth's terminals (the new process ends the shells it finds in the
// adopted container: docs/DESIGN.md "Restart"), so the old terminal tab must
// say that its session ended, and offer a new one. The steps run in order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHmac } from "node:crypto";
import { JWT_SECRET, freePort, removeDataDir } from "../js/lib/berth.mjs";
import { signHs256 } from "../js/lib/jwt.mjs";
import {
  axeViolations, browserWithPage, editorText, endRun, recordStatus, screenshot, signUpInPage, startIdeBerth, terminalText, uniqueEmail, until,
  webDir,
} from "./helpers.mjs";

let web, server, browser, page, errors, dataDir, port;
const state = {};

// The same data dir (SQLite, the project's disk, the node id) and the same
// port for both runs: the page's socket.io-client finds the server where it was.
// At info the server logs what its adoption of the project's container did.
const start = (env = {}) => startIdeBerth(web.dir, { dataDir, port, env: { BERTH_LOG_LEVEL: "info", ...env } });

before(async () => {
  web = webDir();
  dataDir = mkdtempSync(join(tmpdir(), "berth-e2e-restart-"));
  port = await freePort();
  server = await start();
  ({ browser, page, errors } = await browserWithPage());
});

after(async () => {
  await endRun({ errors, browser, server, projectId: state.projectId });
  if (dataDir) removeDataDir(dataDir);
  web?.cleanup();
});

const api = async (method, path, body) => {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${state.token}`, ...(body !== undefined ? { "content-type": "application/octet-stream" } : {}) },
    body,
  });
  return { status: res.status, text: await res.text() };
};
const readFile = async (path) => (await api("GET", `/projects/${state.projectId}/files/content?path=${encodeURIComponent(path)}`)).text;
/** Uncaught errors in the page (console errors of failed connections while the server is down are expected). */
const uncaught = () => errors.filter((e) => e.includes("page error:") || /Uncaught/.test(e));
const text = (s) => s.replaceAll("\u00a0", " ");
const connection = () => page.locator(".statusbar .connection");
const terminalTab = (name) => page.getByRole("tab", { name });

test("a project open in the page: a file in an editor tab, a terminal that answers", async () => {
  await signUpInPage(page, server.url, { email: uniqueEmail("restart"), name: "Rita Restart" });
  state.token = await page.evaluate(() => JSON.parse(localStorage.getItem("berth.tokens")).accessToken);
  await page.getByLabel("Name").fill("restart demo");
  await page.locator("#project-template").selectOption("blank");
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/p\//);
  state.projectId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]);
  await page.locator("#project-state[data-state=ready]").waitFor({ timeout: 90000 });

  const put = await api("PUT", `/projects/${state.projectId}/files/content?path=notes.txt`, "first line\n");
  assert.equal(put.status, 200, put.text);
  await page.getByRole("treeitem", { name: "notes.txt" }).click();
  await page.getByRole("tab", { name: /notes\.txt/ }).waitFor();
  await until("notes.txt in the editor", async () => text(await editorText(page)).includes("first line"));

  await terminalTab("Terminal 1").waitFor({ timeout: 30000 });
  await page.locator(".terminal-host:not([hidden]) .xterm").click();
  await page.keyboard.type("echo before-$((20+1))\n");
  await until("the shell's answer", async () => (await terminalText(page)).includes("before-21"), 30000);
  state.terminalId = await terminalTab("Terminal 1").getAttribute("data-terminal-id");
  assert.ok(state.terminalId);
  assert.equal(await connection().isVisible(), false, "connected: nothing to say");
  await screenshot(page, "before");
});

test("the server stops: the status bar and the terminal say the page is reconnecting; the editor keeps its content and takes edits; no uncaught error", async () => {
  // Monaco starts its worker on the first keystroke; none was typed yet, so
  // the first comes while the server is down (its script is in the cache).
  console.log(`Monaco workers before the stop: ${page.workers().length}`);
  // What the page's socket hears from here on: its (re)connects and the project's states.
  await page.evaluate(() => {
    const seen = (window.__afterRestart = []);
    window.berthProject.socket.on("connect", () => seen.push("(connected)"));
    window.berthProject.socket.on("project:status", (s) => seen.push(s.state));
  });
  server.berth.proc.kill("SIGTERM");
  await server.berth.exited;
  await connection().filter({ hasText: "Reconnecting…" }).waitFor({ timeout: 20000 });
  await page.locator(".terminal-host:not([hidden]) .terminal-note").filter({ hasText: "Disconnected: reconnecting" }).waitFor();

  // An edit while the server is away stays in the buffer, unsaved.
  await page.locator(".editor-host .view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("typed while down\n");
  await page.getByRole("tab", { name: /notes\.txt.*unsaved/ }).waitFor();
  // The terminal takes no input meanwhile (nothing would receive it).
  const before = await terminalText(page);
  await page.locator(".terminal-host:not([hidden]) .xterm").click();
  await page.keyboard.type("echo typed-while-down\n");
  await new Promise((r) => setTimeout(r, 3000)); // a few of socket.io-client's reconnection attempts fail meanwhile
  assert.equal(await terminalText(page), before, "nothing echoed");
  const shown = text(await editorText(page));
  assert.ok(shown.includes("first line") && shown.includes("typed while down"), shown);
  assert.equal(await connection().innerText(), "Reconnecting…");
  await screenshot(page, "server-down");
  assert.deepEqual(uncaught(), []);
});

test("the server is back (same data, same port): the page reconnects by itself; tree and tabs still right; a save reaches the server", async () => {
  server = await start();
  await connection().waitFor({ state: "hidden", timeout: 30000 });
  // The new process adopts the running container (and says what it ended in it); its project:status says ready.
  await until("ready from the restarted server", () => page.evaluate(() => {
    const seen = window.__afterRestart;
    return seen.includes("(connected)") && seen.at(-1) === "ready";
  }), 60000);
  await page.locator("#project-state[data-state=ready]:not(.stale)").waitFor();
  console.log(`project:status after the restart: ${(await page.evaluate(() => window.__afterRestart)).join(" → ")}`);
  await page.getByRole("treeitem", { name: "notes.txt" }).waitFor();
  assert.equal(await page.getByRole("tab", { name: /notes\.txt.*unsaved/ }).count(), 1, "the tab, its edit still unsaved");
  assert.ok(text(await editorText(page)).includes("typed while down"), "the unsaved edit is still there");

  await page.locator(".editor-host .view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("typed after the restart\n");
  await page.keyboard.press("Control+s");
  await page.getByRole("tab", { name: "notes.txt", exact: true }).waitFor({ timeout: 20000 });
  await until("the save on the server", async () => {
    const saved = await readFile("notes.txt");
    return saved.startsWith("first line\n") && saved.includes("typed while down") && saved.includes("typed after the restart");
  });
  await screenshot(page, "reconnected");
  assert.deepEqual(uncaught(), []);
});

test("the old terminal says its session ended (a restart ends Berth's terminals) and offers a new one that works", async () => {
  // The server's side (docs/DESIGN.md "Restart"): the shell still running in
  // the adopted container has lost its stream, so the new process ends it.
  const adopted = new RegExp(`adopted the running container of project ${state.projectId} and ended 1 commands or terminals`);
  assert.match(await server.berth.logged(adopted, 10000), adopted);
  const listed = await page.evaluate(async () => (await window.berthProject.socket.listTerminals()).map((t) => t.id));
  assert.ok(!listed.includes(state.terminalId), `the restarted server has no such terminal: ${JSON.stringify(listed)}`);

  const old = terminalTab("Terminal 1 (ended)");
  await old.waitFor({ timeout: 20000 });
  assert.equal(await old.getAttribute("data-terminal-id"), state.terminalId);
  await until("the end said in the terminal", async () => (await terminalText(page)).includes("[session ended: the server restarted"));
  const note = page.locator(".terminal-host:not([hidden]) .terminal-note");
  await note.getByText(/^Session ended: this terminal is no longer on the server/).waitFor();
  assert.equal(await note.getAttribute("role"), "status");
  await screenshot(page, "terminal-ended");
  assert.deepEqual(await axeViolations(page), [], "the ended terminal and its note");

  // Typing there goes nowhere, and the terminal does not pretend otherwise: nothing is echoed.
  const before = await terminalText(page);
  await page.locator(".terminal-host:not([hidden]) .xterm").click();
  await page.keyboard.type("echo lost\n");
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await terminalText(page), before);

  await note.getByRole("button", { name: "Open a new terminal" }).click();
  const fresh = terminalTab("Terminal 2");
  await fresh.waitFor({ timeout: 30000 });
  assert.equal(await fresh.getAttribute("aria-selected"), "true");
  await until("the new shell's prompt", async () => (await terminalText(page)).includes("$"), 30000);
  await page.locator(".terminal-host:not([hidden]) .xterm").click();
  await page.keyboard.type("echo after-$((40+2))\n");
  await until("the new shell's answer", async () => (await terminalText(page)).includes("after-42"), 30000);
  assert.ok(!(await terminalText(page)).includes("typed-while-down"), "what was typed while down was not sent anywhere");
  await screenshot(page, "new-terminal");

  // The ended tab closes without asking the server for anything.
  await old.click();
  await page.getByRole("button", { name: "Close terminal" }).click();
  await until("the ended tab gone", async () => (await page.getByRole("tab", { name: /^Terminal/ }).count()) === 1);
  assert.deepEqual(uncaught(), []);
});

test("a project whose disk was evicted opens from storage: the status bar shows the files' progress, then ready", async () => {
  // 300 files, unpacked from a zip and stored (sync:status pending 0).
  const zip = join(dataDir, "many.zip");
  execFileSync("python3", ["-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    for i in range(300): z.writestr(f'many/f{i:03}.txt', f'{i}\\n')", zip]);
  const unpacked = await fetch(`http://127.0.0.1:${port}/api/v1/projects/${state.projectId}/archive`, {
    method: "POST", headers: { authorization: `Bearer ${state.token}`, "content-type": "application/zip" }, body: readFileSync(zip),
  });
  assert.equal(unpacked.status, 200, await unpacked.text());
  rmSync(zip);
  const project = async () => JSON.parse((await api("GET", `/projects/${state.projectId}`)).text);
  await until("all stored", async () => (await project()).sync?.pending === 0, 60000);

  // Stopped and left (the project list holds no socket to it), then the
  // server restarts with a mirror budget of 1 byte: at start-up it evicts
  // the closed project's disk; storage keeps the files.
  assert.equal((await api("POST", `/projects/${state.projectId}/stop`)).status, 200);
  await page.locator("#project-state[data-state=stopped]").waitFor({ timeout: 60000 });
  await page.getByRole("link", { name: "Projects" }).click();
  await page.getByRole("link", { name: "restart demo" }).waitFor();
  server.berth.proc.kill("SIGTERM");
  await server.berth.exited;
  server = await start({ BERTH_MIRROR_BUDGET: "1" });
  const evicted = new RegExp(`project ${state.projectId}: evicted its mirror`);
  assert.match(await server.berth.logged(evicted, 20000), evicted);

  // Opened again from the list (the same document: the recorder stays), and
  // started if the page does not start it: the open comes from storage.
  await recordStatus(page);
  await page.getByRole("link", { name: "restart demo" }).click();
  await page.locator("#project-state").waitFor();
  const startButton = page.getByRole("button", { name: "Start", exact: true });
  if (await startButton.isVisible().catch(() => false)) await startButton.click();
  await page.locator("#project-state[data-state=ready]").waitFor({ timeout: 90000 });
  const { shown, received } = await page.evaluate(() => window.__statusLog);
  console.log(`status bar on the open from storage: ${shown.join(" → ")}`);
  const progress = received.filter((s) => s.state === "starting" && s.progress);
  assert.ok(progress.length > 0 && progress.every((s) => s.progress.total >= 300),
    `the server gave the files' progress: ${JSON.stringify(received)}`);
  for (const s of progress)
    assert.ok(shown.includes(`Starting (${s.progress.done}/${s.progress.total} files)`), `${JSON.stringify(s)} shown: ${JSON.stringify(shown)}`);
  await screenshot(page, "opened-from-storage");
  await page.getByRole("treeitem", { name: "many" }).waitFor();
  assert.equal(await readFile("many/f299.txt"), "299\n");
  assert.deepEqual(uncaught(), []);
});

test("an access token the server no longer accepts is refreshed on the next load; a refused refresh goes back to log-in", async () => {
  const stored = () => page.evaluate(() => JSON.parse(localStorage.getItem("berth.tokens")));
  const store = (t) => page.evaluate((t) => localStorage.setItem("berth.tokens", JSON.stringify(t)), t);
  const tokens = await stored();
  const { user: me } = JSON.parse((await api("GET", "/auth/me")).text);
  // Signed as Berth signs its own (a key derived from JWT_SECRET), expired two minutes ago.
  const key = createHmac("sha256", JWT_SECRET).update("berth access token v1").digest();
  const now = Math.floor(Date.now() / 1000);
  const expired = signHs256({ sub: me.id, email: me.email, aud: "berth", iss: "berth", iat: now - 600, exp: now - 120 }, key);
  // The page still believes it valid (expiresAt ahead): the server's 401 is what makes it refresh.
  await store({ ...tokens, accessToken: expired });
  await page.reload();
  await page.locator("#project-state[data-state=ready]").waitFor({ timeout: 30000 });
  const refreshed = await stored();
  assert.notEqual(refreshed.accessToken, expired);
  assert.notEqual(refreshed.refreshToken, tokens.refreshToken, "refresh tokens rotate");
  await page.getByRole("treeitem", { name: "notes.txt" }).waitFor();

  // Both refused: the page says so in words and shows the log-in form.
  await store({ ...refreshed, accessToken: expired, refreshToken: "not-a-refresh-token" });
  await page.reload();
  await page.getByRole("heading", { name: "Log in" }).waitFor({ timeout: 30000 });
  await screenshot(page, "back-to-log-in");
  assert.equal(await page.evaluate(() => localStorage.getItem("berth.tokens")), null, "the refused tokens are gone");
  assert.deepEqual(uncaught(), []);
});
