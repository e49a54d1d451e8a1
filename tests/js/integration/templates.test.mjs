// Starter templates: the built-in ones (templates/) are in the catalogue and
// in storage once the server runs, a project made from one starts with its
// files, and `berth template add ID DIR` makes a new one from a folder
// (modes and empty folders kept, ignored paths left out).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { startBerth, signup, BERTH_BIN, JWT_SECRET, removeDataDir, mirrorOf } from "../lib/berth.mjs";

function connect(berth, user, projectId) {
  return new Promise((resolve, reject) => {
    const socket = io(berth.url, { auth: (cb) => cb({ token: user.accessToken, projectId }), transports: ["websocket"], reconnection: false, forceNew: true });
    socket.once("project:status", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}
const call = (socket, event, body) => socket.timeout(20000).emitWithAck(event, body);

async function listing(berth, user, projectId) {
  const s = await connect(berth, user, projectId);
  try {
    const r = await call(s, "fs:list", { path: "", recursive: true });
    assert.equal(r.ok, true, JSON.stringify(r));
    return { entries: r.entries, read: async (path) => (await call(s, "fs:read", { path })).content, socket: s };
  } catch (e) {
    s.close();
    throw e;
  }
}

test("the built-in templates are listed and a project made from one starts with its files", async () => {
  const berth = await startBerth();
  try {
    const alice = await signup(berth.url, "alice");
    const templates = (await alice.api.get("/api/v1/templates")).json;
    const ids = (templates.templates ?? templates).map((t) => t.id);
    for (const id of ["blank", "node", "python", "static-web"]) assert.ok(ids.includes(id), `${id} in ${ids}`);
    for (const [templateId, expected] of [
      ["python", ["README.md", "main.py", "requirements.txt"]],
      ["static-web", ["index.html", "script.js", "style.css"]],
      ["node", ["README.md", "index.js", "package.json"]],
    ]) {
      const project = (await alice.api.post("/api/v1/projects", { name: templateId, templateId })).json;
      const l = await listing(berth, alice, project.id);
      try {
        assert.deepEqual(l.entries.map((e) => e.path), expected);
        if (templateId === "python") assert.match(await l.read("main.py"), /def greet/);
      } finally {
        l.socket.close();
      }
    }
  } finally {
    await berth.stop();
  }
});

test("berth template add makes a template from a folder", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-tpl-"));
  const src = mkdtempSync(join(tmpdir(), "berth-tpl-src-"));
  let berth;
  try {
    mkdirSync(join(src, "bin"));
    writeFileSync(join(src, "bin", "run.sh"), "#!/bin/sh\necho run\n");
    chmodSync(join(src, "bin", "run.sh"), 0o755);
    mkdirSync(join(src, "empty"));
    mkdirSync(join(src, "node_modules", "x"), { recursive: true });
    writeFileSync(join(src, "node_modules", "x", "i.js"), "ignored");
    writeFileSync(join(src, "notes.log"), "ignored by .berthignore");
    writeFileSync(join(src, ".berthignore"), "*.log\n");
    const env = { PATH: process.env.PATH, BERTH_DATA_DIR: dataDir, JWT_SECRET, BERTH_LOG_LEVEL: "warn" };
    const out = execFileSync(BERTH_BIN, ["template", "add", "shell-tools", src, "--name", "Shell tools"], { env, cwd: dataDir }).toString();
    assert.match(out, /template shell-tools is ready/);
    const listed = execFileSync(BERTH_BIN, ["template", "list"], { env, cwd: dataDir }).toString();
    assert.match(listed, /^shell-tools\tShell tools\t/m);
    assert.throws(() => execFileSync(BERTH_BIN, ["template", "add", "../bad", src], { env, cwd: dataDir, stdio: "pipe" }), /id must be/);

    berth = await startBerth({ dataDir, database: false });
    const alice = await signup(berth.url, "alice");
    const project = (await alice.api.post("/api/v1/projects", { name: "tools", templateId: "shell-tools" })).json;
    assert.equal(project.templateId ?? project.template_id ?? "shell-tools", "shell-tools");
    const l = await listing(berth, alice, project.id);
    try {
      assert.deepEqual(l.entries.map((e) => [e.path, e.kind]), [
        [".berthignore", "file"], ["bin", "dir"], ["bin/run.sh", "file"], ["empty", "dir"],
      ]);
    } finally {
      l.socket.close();
    }
    const mode = execFileSync("stat", ["-c", "%a", join(mirrorOf(dataDir, project.id), "bin", "run.sh")]).toString().trim();
    assert.equal(mode, "755", "the executable bit came through the template");
  } finally {
    await berth?.stop();
    removeDataDir(dataDir);
    rmSync(src, { recursive: true, force: true });
  }
});
