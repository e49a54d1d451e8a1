// The web IDE end to end, as its users would: Debian's chromium against a
// real Berth with containers. Each step leaves a screenshot in
// build/e2e-artifacts/. The steps build on each other (one browser, one
// server, one project) and run in order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import {
  PASSWORD, axeViolations, browserWithPage, editorText, endRun, recordStatus, screenshot, signUpInPage, startIdeBerth, terminalText,
  uniqueEmail, until, watchConsole, webDir,
} from "./helpers.mjs";

let web, server, browser, page, errors;
const owner = { email: uniqueEmail("owner"), name: "Olive Owner" };
const state = {};

before(async () => {
  web = webDir();
  server = await startIdeBerth(web.dir);
  ({ browser, page, errors } = await browserWithPage());
});

after(async () => {
  await endRun({ errors, browser, server, projectId: state.projectId });
  web?.cleanup();
});

const api = async (method, path, body, token = state.ownerToken) => {
  const res = await fetch(server.url + "/api/v1" + path, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, text: await res.text() };
};
const tokenOf = (p) => p.evaluate(() => JSON.parse(localStorage.getItem("berth.tokens")).accessToken);

test("sign up; errors in words (taken email, wrong password); log out and in again", async () => {
  await page.goto(server.url + "/");
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  assert.match(page.url(), /\/login$/);
  state.ownerId = await signUpInPage(page, server.url, owner);
  assert.ok(state.ownerId);
  await screenshot(page, "signed-up");

  // The account menu logs out; the log-in page says what went wrong.
  await page.getByRole("button", { name: owner.name }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
  await screenshot(page, "wrong-password");

  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("alert").filter({ hasText: "already exists" }).waitFor();
  await screenshot(page, "email-taken");

  await page.getByRole("link", { name: "Log in" }).click();
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
  state.ownerToken = await tokenOf(page);
});

test("project list: create from a template, rename, delete with a confirm", async () => {
  const templates = page.locator("#project-template option");
  await until("the templates", async () => (await templates.count()) > 0);
  const ids = await templates.evaluateAll((os) => os.map((o) => o.value));
  assert.ok(ids.includes("blank"), `templates: ${ids}`);

  // One to rename and delete...
  await page.getByLabel("Name").fill("scratch");
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/p\//);
  await page.goto(server.url + "/");
  await page.getByRole("button", { name: "Rename scratch" }).click();
  await page.getByLabel("New name").fill("scratch two");
  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await page.getByRole("link", { name: "scratch two" }).waitFor();
  await page.getByRole("button", { name: "Delete scratch two" }).click();
  await screenshot(page, "delete-confirm");
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await until("the project gone", async () => (await page.getByRole("link", { name: "scratch two" }).count()) === 0);

  // ...and the one the rest of the steps use. Its first open (the start of
  // its container) is recorded for the status bar's step below.
  await page.getByLabel("Name").fill("e2e demo");
  await page.locator("#project-template").selectOption("blank");
  await recordStatus(page);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/p\//);
  state.projectId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]);
  await page.locator("#project-state[data-state=ready]").waitFor({ timeout: 90000 });
  state.firstOpen = await page.evaluate(() => window.__statusLog);
  await page.goto(server.url + "/");
  await page.getByRole("link", { name: "e2e demo" }).waitFor();
  await screenshot(page, "project-list");
});

const readFile = async (path) => (await api("GET", `/projects/${state.projectId}/files/content?path=${encodeURIComponent(path)}`)).text;
const openProject = async (p, id = state.projectId) => {
  await p.goto(server.url + "/p/" + encodeURIComponent(id));
  await p.locator("#project-state[data-state=ready]").waitFor({ timeout: 90000 });
};
/** Types into the editor in front, as keys (Monaco's auto-closing may add brackets: the test checks what was saved). */
const typeInEditor = async (p, text) => {
  await p.locator(".editor-host .view-lines").click();
  await p.keyboard.press("Control+End");
  await p.keyboard.type(text);
};

test("status bar: the project's first open shows starting (with the files' progress when given), then ready", async () => {
  const { shown, received } = state.firstOpen;
  const starting = shown.findIndex((t) => /^Starting/.test(t));
  const ready = shown.lastIndexOf("Ready");
  assert.ok(starting >= 0, `starting shown: ${JSON.stringify(shown)}`);
  assert.ok(ready > starting, `ready after starting: ${JSON.stringify(shown)}`);
  assert.ok(received.some((s) => s.state === "starting") && received.at(-1).state === "ready", JSON.stringify(received));
  // Every progress the server gave was shown as it came; a start without one says "Starting…".
  for (const s of received.filter((s) => s.state === "starting"))
    assert.ok(shown.includes(s.progress ? `Starting (${s.progress.done}/${s.progress.total} files)` : "Starting…"), `${JSON.stringify(s)} shown: ${JSON.stringify(shown)}`);
  console.log(`status bar on the first open: ${shown.join(" → ")}`);
});

test("project view: ready status, create main.sh, edit it and save with Ctrl+S", async () => {
  await openProject(page);
  await page.getByRole("tree", { name: "Project files" }).waitFor();
  await screenshot(page, "project-ready");
  await page.getByRole("button", { name: "New file" }).click();
  await page.getByLabel(/Name of the new file/).fill("main.sh");
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByRole("tab", { name: /main\.sh/ }).waitFor();
  await page.getByRole("treeitem", { name: "main.sh" }).waitFor();
  await typeInEditor(page, "echo sum=$((6*7))\n");
  await page.getByRole("tab", { name: /main\.sh.*unsaved/ }).waitFor();
  await page.keyboard.press("Control+s");
  await page.getByRole("tab", { name: "main.sh", exact: true }).waitFor();
  await until("main.sh saved", async () => (await readFile("main.sh")).startsWith("echo sum=$((6*7))\n"));
  await screenshot(page, "main-sh-saved");
});

test("terminal: run sh main.sh and see its output", async () => {
  const term = page.locator(".terminal-host:not([hidden]) .xterm");
  await term.waitFor();
  await term.click();
  await page.keyboard.type("sh main.sh\n");
  await until("the script's output", async () => (await terminalText(page)).includes("sum=42"), 30000);
  await screenshot(page, "terminal-output");
});

/** `stty size` in the terminal in front: {rows, cols} as the program sees them. */
async function sttySize(p, tag) {
  await p.locator(".terminal-host:not([hidden]) .xterm").click();
  await p.keyboard.type(`echo ${tag}=$(stty size)\n`);
  const text = await until(`${tag} from stty`, async () => {
    const t = await terminalText(p);
    return new RegExp(`${tag}=\\d+ \\d+`).test(t) && t;
  }, 30000);
  const [, rows, cols] = [...text.matchAll(new RegExp(`${tag}=(\\d+) (\\d+)`, "g"))].at(-1);
  return { rows: Number(rows), cols: Number(cols) };
}
const xtermRows = (p) => p.locator(".terminal-host:not([hidden]) .xterm-rows > div").count();

test("resizing the window resizes the terminal (term:resize): stty size follows", async () => {
  const before = await sttySize(page, "before");
  assert.equal(before.rows, await xtermRows(page), "the program sees the screen's rows");
  try {
    await page.setViewportSize({ width: 1000, height: 640 });
    await until("the screen to have fewer rows", async () => (await xtermRows(page)) < before.rows);
    await new Promise((r) => setTimeout(r, 300)); // the fit settles (debounced)
    const rows = await xtermRows(page);
    const after = await sttySize(page, "after");
    assert.equal(after.rows, rows, `rows follow the screen (${JSON.stringify({ before, after })})`);
    assert.ok(after.cols < before.cols, `fewer cols in a narrower window (${JSON.stringify({ before, after })})`);
    await screenshot(page, "terminal-resized");
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
});

test("a reload re-attaches to the terminal and shows its earlier output", async () => {
  await page.reload();
  await page.locator("#project-state[data-state=ready]").waitFor({ timeout: 60000 });
  await until("the scrollback after a reload", async () => (await terminalText(page)).includes("sum=42"), 30000);
  assert.equal(await page.getByRole("tab", { name: /Terminal/ }).count(), 1, "one terminal, re-attached (not a new one)");
  await screenshot(page, "terminal-after-reload");
});

test("a file made in the terminal (touch) appears in the tree", async () => {
  await page.locator(".terminal-host:not([hidden]) .xterm").click();
  await page.keyboard.type("touch made-in-shell.txt\n");
  await page.getByRole("treeitem", { name: "made-in-shell.txt" }).waitFor({ timeout: 30000 });
  await screenshot(page, "file-from-terminal");
});

/** The owner adds a member by the email of their account in the members dialog. */
async function addMember(email, role) {
  await page.getByRole("button", { name: "Members" }).click();
  const dialog = page.getByRole("dialog", { name: "Members" });
  await dialog.getByLabel("Email", { exact: true }).fill(email);
  await dialog.locator("#member-role").selectOption(role);
  await dialog.getByRole("button", { name: "Add" }).click();
  await dialog.getByRole("row").filter({ hasText: email }).waitFor();
  await screenshot(page, `members-${role}`);
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
}

async function openFileInTree(p, name) {
  await p.getByRole("treeitem", { name }).click();
  await p.getByRole("tab", { name: new RegExp(name.replace(".", "\\.")) }).waitFor();
  await p.locator(".editor-host .view-lines").waitFor();
}

test("an editor member sees an edit arrive; both editing one file gives the conflict view, never a silent overwrite", async () => {
  const context = await browser.newContext();
  const page2 = await context.newPage();
  errors.push(...[]);
  const errors2 = watchConsole(page2, "editor");
  try {
    const editor = (state.editor = { email: uniqueEmail("editor"), name: "Eddie Editor" });
    // An email no account uses: the dialog says so, and what to do.
    await page.getByRole("button", { name: "Members" }).click();
    const dialog = page.getByRole("dialog", { name: "Members" });
    await dialog.getByLabel("Email", { exact: true }).fill(editor.email);
    await dialog.getByRole("button", { name: "Add" }).click();
    await dialog.getByRole("alert").filter({ hasText: "ask them to sign up first" }).waitFor();
    await screenshot(page, "members-unknown-email");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    await signUpInPage(page2, server.url, editor);
    await addMember(editor.email.toUpperCase(), "editor"); // found in any case

    await openProject(page2);
    await openFileInTree(page2, "main.sh");
    await until("main.sh in the second editor", async () => (await editorText(page2)).includes("sum="));

    // The owner edits and saves: the other editor's clean buffer follows, the tree says who.
    await openFileInTree(page, "main.sh");
    await typeInEditor(page, "echo second-line\n");
    await page.keyboard.press("Control+s");
    await until("the edit saved", async () => (await readFile("main.sh")).includes("second-line"));
    await until("the edit arriving", async () => (await editorText(page2)).includes("second-line"));
    await page2.locator(".tree-note").filter({ hasText: owner.name }).first().waitFor();
    await screenshot(page2, "edit-arrived");

    // Both edit; the owner saves first, the editor's save meets a newer version.
    await typeInEditor(page2, "echo from-editor\n");
    await typeInEditor(page, "echo from-owner\n");
    await page.keyboard.press("Control+s");
    await until("the owner's save", async () => (await readFile("main.sh")).includes("from-owner"));
    await page2.keyboard.press("Control+s");
    const conflict = page2.getByRole("region", { name: "Save conflict" });
    await conflict.waitFor();
    assert.ok(!(await readFile("main.sh")).includes("from-editor"), "no silent overwrite");
    await screenshot(page2, "conflict");
    await conflict.getByRole("button", { name: "Keep mine (overwrite)" }).click();
    await conflict.waitFor({ state: "hidden" });
    const saved = await readFile("main.sh");
    assert.ok(saved.includes("from-editor") && !saved.includes("from-owner"), saved);
    // The owner's clean buffer takes the result.
    await until("the owner sees the editor's version", async () => (await editorText(page)).includes("from-editor"));
    await screenshot(page, "after-conflict");
  } finally {
    if (errors2.length) console.log(errors2.join("\n"));
    await context.close();
  }
});

test("a viewer member: read-only editor and terminal; the server answers forbidden to fs:write and term:input", async () => {
  const context = await browser.newContext();
  const page3 = await context.newPage();
  try {
    const viewer = { email: uniqueEmail("viewer"), name: "Vera Viewer" };
    await signUpInPage(page3, server.url, viewer);
    await addMember(viewer.email, "viewer");
    await openProject(page3);
    await until("the terminal's output for the viewer", async () => (await terminalText(page3)).includes("sum=42"), 30000);
    await openFileInTree(page3, "main.sh");
    const before = await editorText(page3);
    await page3.locator(".editor-host .view-lines").click();
    await page3.keyboard.type("typed-by-viewer");
    assert.equal(await editorText(page3), before, "the editor is read-only");
    assert.equal(await page3.getByRole("button", { name: "New terminal" }).count(), 0);
    await screenshot(page3, "viewer");

    // The page's own socket sends what the UI would not: the server refuses.
    const answers = await page3.evaluate(async () => {
      const socket = window.berthProject.socket;
      const code = (p) => p.then(() => "ok", (e) => e.code);
      const [terminal] = await socket.listTerminals();
      return {
        write: await code(socket.write("main.sh", "hijacked\n")),
        create: await code(socket.create("hijacked.txt", "file")),
        input: await code(socket.request("term:input", { id: terminal.id, data: "touch hijacked-by-viewer\r" })),
      };
    });
    assert.deepEqual(answers, { write: "forbidden", create: "forbidden", input: "forbidden" });
    assert.ok(!(await readFile("main.sh")).includes("hijacked"));

    // The owner changes the viewer's role, then removes them: their page is let go.
    await page.getByRole("button", { name: "Members" }).click();
    const dialog = page.getByRole("dialog", { name: "Members" });
    await dialog.getByLabel(`Role of ${viewer.email}`).selectOption("editor");
    await until("the role changed", async () => (await api("GET", `/projects/${state.projectId}/members`)).text.includes('"editor"'));
    await dialog.getByRole("button", { name: `Remove ${viewer.email}` }).click();
    await dialog.getByRole("row").filter({ hasText: viewer.email }).waitFor({ state: "detached" });
    await page.keyboard.press("Escape");
    await page3.getByText("You no longer have access to this project.").waitFor({ timeout: 20000 });
    await screenshot(page3, "viewer-removed");
  } finally {
    await context.close();
  }
});

test("quick open (Ctrl+P) finds a file by name", async () => {
  await page.locator(".editor-host .view-lines").click();
  await page.keyboard.press("Control+p");
  const dialog = page.getByRole("dialog", { name: "Go to file" });
  await dialog.getByRole("combobox").fill("made");
  await dialog.getByRole("option", { name: "made-in-shell.txt" }).waitFor();
  await screenshot(page, "quick-open");
  await page.keyboard.press("Enter");
  await page.getByRole("tab", { name: /made-in-shell\.txt/ }).waitFor();
});

test("several terminals in tabs; the open tabs come back after a reload", async () => {
  await page.getByRole("button", { name: "New terminal" }).click();
  await page.getByRole("tab", { name: "Terminal 2" }).waitFor();
  await until("the second shell's prompt", async () => (await terminalText(page)).includes("$"), 30000);
  await page.locator(".terminal-host:not([hidden]) .xterm").click();
  await page.keyboard.type("echo second-$((20+3))\n");
  await until("the second terminal's output", async () => (await terminalText(page)).includes("second-23"), 30000);
  await page.getByRole("tab", { name: "Terminal 1" }).click();
  await until("the first terminal again", async () => (await terminalText(page)).includes("sum=42"));
  await screenshot(page, "two-terminals");

  await page.reload();
  await page.getByRole("tab", { name: /made-in-shell\.txt/ }).waitFor();
  await page.getByRole("tab", { name: /main\.sh/ }).waitFor();
  // The terminals are listed after the editor tabs are open again.
  await until("both terminal tabs again", async () => (await page.getByRole("tab", { name: /^Terminal/ }).count()) === 2);
  await page.getByRole("tab", { name: "Terminal 2" }).click();
  await until("the second terminal's scrollback", async () => (await terminalText(page)).includes("second-23"));
  await page.getByRole("button", { name: "Close terminal" }).click();
  await until("one terminal left", async () => (await page.getByRole("tab", { name: /^Terminal/ }).count()) === 1);
});

/**
 * The status of GET / on a preview, without a cookie: Node does not resolve
 * *.localhost, so the request goes to the server's own address with the
 * preview's host in its Host header.
 */
function previewStatus(previewUrl) {
  const target = new URL(previewUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: new URL(server.url).port, path: target.pathname, agent: false, headers: { host: target.host } },
      (res) => (res.resume(), res.on("end", () => resolve(res.statusCode))));
    req.on("error", reject);
    req.end();
  });
}

test("ports panel: a server started in the terminal is listed; Open shows it in a new tab through a session link; the owner makes it public and private again; it goes when the server stops", async () => {
  const panel = page.getByRole("region", { name: "Ports" });
  await panel.getByText("No ports open.").waitFor();
  await page.locator(".terminal-host:not([hidden]) .xterm").click();
  await page.keyboard.type("mkdir -p /tmp/www && echo preview-ok > /tmp/www/index.html && httpd -p 8080 -h /tmp/www\n");
  const row = panel.getByRole("listitem").filter({ hasText: "8080" });
  await row.waitFor({ timeout: 30000 }); // port:opened (the server polls the container's ports every second)
  assert.match(await panel.locator("summary .badge").innerText(), /^1\b/, "the count of open ports");
  const listed = JSON.parse((await api("GET", `/projects/${state.projectId}/ports`)).text).ports;
  const preview = listed.find((p) => p.port === 8080);
  assert.ok(preview && preview.public === false, JSON.stringify(listed));
  await screenshot(page, "port-open");

  // Open: a fresh session link (POST …/previews/8080/session), in a new tab without an opener.
  const link = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname.endsWith("/previews/8080/session"));
  const [tab] = await Promise.all([page.context().waitForEvent("page"), row.getByRole("button", { name: "Open port 8080" }).click()]);
  await link;
  await tab.getByText("preview-ok").waitFor({ timeout: 20000 });
  assert.equal(new URL(tab.url()).host, new URL(preview.url).host, "on the preview's own origin");
  assert.equal(await tab.evaluate(() => window.opener), null, "the tab cannot reach the IDE");
  await screenshot(tab, "preview-tab");
  await tab.close();

  // Private: without the cookie the preview says 401; public: 200 for anyone.
  assert.equal(await previewStatus(preview.url), 401);
  const toggle = row.getByRole("checkbox", { name: "Public (port 8080)" });
  const put = () => page.waitForResponse((r) => r.request().method() === "PUT" && new URL(r.url()).pathname.endsWith("/previews/8080"));
  let answered = put();
  await toggle.check();
  assert.equal((await answered).status(), 200);
  assert.equal(await previewStatus(preview.url), 200, "public: no cookie needed");
  await row.getByRole("link", { name: preview.url }).waitFor();
  await screenshot(page, "port-public");
  assert.deepEqual(await axeViolations(page), [], "the ports panel with a public port");

  // A member who is not the owner sees that it is public, without a switch; the server refuses them the change.
  const context = await browser.newContext();
  try {
    const other = await context.newPage();
    await other.goto(server.url + "/login");
    await other.getByLabel("Email").fill(state.editor.email);
    await other.getByLabel("Password").fill(PASSWORD);
    await other.getByRole("button", { name: "Log in" }).click();
    await other.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
    await openProject(other);
    const theirRow = other.getByRole("region", { name: "Ports" }).getByRole("listitem").filter({ hasText: "8080" });
    await theirRow.getByText("Public", { exact: true }).waitFor();
    assert.equal(await theirRow.getByRole("checkbox").count(), 0, "no switch for an editor");
    await theirRow.getByRole("button", { name: "Open port 8080" }).waitFor();
    await screenshot(other, "port-as-editor");
    const refused = await api("PUT", `/projects/${state.projectId}/previews/8080`, { public: false }, await tokenOf(other));
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.text, /forbidden/);
  } finally {
    await context.close();
  }

  answered = put();
  await toggle.uncheck();
  assert.equal((await answered).status(), 200);
  assert.equal(await previewStatus(preview.url), 401, "private again");
  await row.getByRole("link").waitFor({ state: "hidden" });

  // The server stops: port:closed, the row goes and the hint is back.
  await page.locator(".terminal-host:not([hidden]) .xterm").click();
  await page.keyboard.type("killall httpd\n");
  await row.waitFor({ state: "detached", timeout: 30000 });
  await panel.getByText("No ports open.").waitFor();
  assert.equal(await panel.locator("summary .badge").isVisible(), false);
  await screenshot(page, "port-closed");
});

/** Drops files from "the desktop" onto a tree element (a DataTransfer made in the page). */
async function dropFiles(p, target, files) {
  const dataTransfer = await p.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    return dt;
  }, files.map((f) => ({ name: f.name, bytes: [...Buffer.from(f.content)] })));
  await target.dispatchEvent("dragover", { dataTransfer });
  await target.dispatchEvent("drop", { dataTransfer });
}

test("uploads by dropping files on the tree; binary and too-large files open as download links; drag to move", async () => {
  const tree = page.getByRole("tree", { name: "Project files" });
  const binary = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x00]);
  await dropFiles(page, tree, [{ name: "uploaded.txt", content: "hello upload\n" }, { name: "blob.bin", content: binary }]);
  await page.getByRole("treeitem", { name: "uploaded.txt" }).waitFor();
  await page.getByRole("treeitem", { name: "blob.bin" }).waitFor();
  assert.equal(await readFile("uploaded.txt"), "hello upload\n");

  await page.getByRole("treeitem", { name: "blob.bin" }).click();
  await page.getByText("This file is binary.").waitFor();
  await screenshot(page, "binary-link");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download blob.bin" }).click()]);
  const { readFileSync } = await import("node:fs");
  assert.deepEqual([...readFileSync(await download.path())], [...binary]);

  // A text file too large for the editor (3 MB, past its 2 MiB) is offered as a download instead.
  const big = "x".repeat(3 << 20);
  const put = await fetch(`${server.url}/api/v1/projects/${state.projectId}/files/content?path=big.log`, {
    method: "PUT", headers: { authorization: `Bearer ${state.ownerToken}` }, body: big,
  });
  assert.equal(put.status, 200, await put.text());
  await page.getByRole("treeitem", { name: "big.log" }).click();
  await page.getByText(/too large to edit here/).waitFor();
  const [bigDownload] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download big.log" }).click()]);
  assert.equal(readFileSync(await bigDownload.path()).length, big.length);
  await screenshot(page, "too-large");

  // A folder, then drag the upload into it (fs:rename).
  await page.getByRole("treeitem", { name: "made-in-shell.txt" }).click();
  await page.getByRole("button", { name: "New folder" }).click();
  await page.getByLabel(/Name of the new folder/).fill("docs");
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByRole("treeitem", { name: "docs" }).waitFor();
  await page.getByRole("treeitem", { name: "uploaded.txt" }).dragTo(page.getByRole("treeitem", { name: "docs" }));
  await until("the move", async () => (await readFile("docs/uploaded.txt")) === "hello upload\n");
  await page.getByRole("treeitem", { name: "docs" }).getByRole("treeitem", { name: "uploaded.txt" }).waitFor();
  await screenshot(page, "moved");
});

test("the project as a zip through a signed link (POST …/archive/link): a real zip that holds main.sh", async () => {
  const link = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname.endsWith("/archive/link"));
  const download = page.waitForEvent("download", { timeout: 30000 });
  await page.getByRole("button", { name: "Download zip" }).click();
  await link;
  const file = await (await download).path();
  const { readFileSync } = await import("node:fs");
  const { execFileSync } = await import("node:child_process");
  assert.deepEqual([...readFileSync(file).subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], "starts with PK\\x03\\x04");
  const names = JSON.parse(execFileSync("python3", ["-c", "import json,sys,zipfile; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))", file], { encoding: "utf8" }));
  assert.ok(names.includes("main.sh"), `the zip lists main.sh: ${names}`);
  await screenshot(page, "zip-downloaded");
});

test("axe-core: no serious or critical violations on the log-in page, the project list and the project view", async () => {
  const context = await browser.newContext();
  const anonymous = await context.newPage();
  const report = {};
  try {
    await anonymous.goto(server.url + "/login");
    await anonymous.getByRole("heading", { name: "Log in" }).waitFor();
    report.login = await axeViolations(anonymous);
  } finally {
    await context.close();
  }
  await page.goto(server.url + "/");
  await page.getByRole("link", { name: "e2e demo" }).waitFor();
  report.projects = await axeViolations(page);
  await openProject(page);
  await openFileInTree(page, "main.sh");
  await until("the terminal", async () => (await terminalText(page)).includes("$"));
  report.project = await axeViolations(page);
  await screenshot(page, "axe-project-view");
  for (const [where, violations] of Object.entries(report))
    assert.deepEqual(violations, [], `${where}: ${JSON.stringify(violations, null, 2)}`);
});

test("a narrow window: the tree and the ports fold behind a button", async () => {
  await page.setViewportSize({ width: 600, height: 800 });
  const tree = page.getByRole("tree", { name: "Project files" });
  await tree.waitFor({ state: "hidden" });
  await page.getByRole("button", { name: "Show files" }).click();
  await tree.waitFor();
  await page.getByRole("region", { name: "Ports" }).getByText("No ports open.").waitFor();
  await screenshot(page, "narrow");
  await page.setViewportSize({ width: 1280, height: 800 });
});
