// BerthClient against a real server: accounts and tokens (refresh on 401,
// shared refreshes, rotation, log-out), projects, members, errors as
// BerthError, and the REST file routes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BerthClient, BerthError } from "../dist/index.js";
import { startBerth, newUser, memoryStorage, signHs256, uniqueEmail, PASSWORD } from "./helpers.mjs";

const TOKEN_SECRET = "client-test-token-secret-0123456789";
let berth;
before(async () => {
  berth = await startBerth({ env: { BERTH_TOKEN_SECRET: TOKEN_SECRET } });
});
after(() => berth?.stop());

// A Berth access token that expired two minutes ago (past the 30 s leeway).
function expiredToken(user) {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ sub: user.id, email: user.email, aud: "berth", iss: "berth", iat: now - 600, exp: now - 120 }, TOKEN_SECRET);
}

async function rejects(promise, code, status) {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e) => e,
  );
  assert.ok(error instanceof BerthError, `a BerthError, not ${error}`);
  assert.equal(error.code, code, error.message);
  if (status !== undefined) assert.equal(error.status, status);
  assert.ok(error.message.length > 0);
  return error;
}

test("sign up, log in, me and log out", async () => {
  const { client, session, storage, user } = await newUser(berth, "ann");
  assert.equal(session.user.name, "ann");
  assert.ok(session.accessToken && session.refreshToken);
  assert.equal(session.expiresIn, 900);
  assert.equal(storage.saves.length, 1, "the session's tokens were stored");
  assert.equal(storage.current.refreshToken, session.refreshToken);
  assert.deepEqual(await client.me(), user);

  const other = new BerthClient({ baseUrl: berth.url });
  await other.logIn({ email: user.email, password: PASSWORD });
  assert.equal((await other.me()).id, user.id);

  await client.logOut();
  assert.equal(storage.current, null, "log-out clears the storage");
  await rejects(client.me(), "logged_out", 0);
  // The refresh token was spent at the server, not only forgotten here.
  const raw = await fetch(berth.url + "/api/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  });
  assert.equal(raw.status, 401);
});

test("a wrong password is unauthorized, a taken email a conflict", async () => {
  const { user } = await newUser(berth, "bea");
  const client = new BerthClient({ baseUrl: berth.url });
  await rejects(client.logIn({ email: user.email, password: "not the password" }), "unauthorized", 401);
  await rejects(client.signUp({ email: user.email, password: PASSWORD }), "conflict", 409);
  await rejects(client.signUp({ email: uniqueEmail("short"), password: "short" }), "bad_request", 400);
});

test("refresh rotates the refresh token; the spent one no longer works", async () => {
  const { client, session, storage } = await newUser(berth, "rot");
  const first = await client.refresh();
  assert.notEqual(first.refreshToken, session.refreshToken);
  const second = await client.refresh();
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.deepEqual(storage.saves.map((t) => t.refreshToken), [session.refreshToken, first.refreshToken, second.refreshToken]);
  const replay = new BerthClient({ baseUrl: berth.url, storage: memoryStorage({ ...first, accessToken: "x" }) });
  await rejects(replay.refresh(), "unauthorized", 401);
  assert.ok(await client.me(), "the current pair still works");
});

test("an access token the server calls expired is refreshed once and the call sent again", async () => {
  const { session, user } = await newUser(berth, "exp");
  // As if loaded from a browser's storage: the client believes it valid.
  const storage = memoryStorage({ accessToken: expiredToken(user), refreshToken: session.refreshToken, expiresAt: Date.now() + 600_000, expiresIn: 900 });
  const loggedOut = [];
  const client = new BerthClient({ baseUrl: berth.url, storage, onLoggedOut: (e) => loggedOut.push(e) });
  // Five calls at once see the same 401: one refresh serves them all (a
  // second one would spend the rotated token and fail).
  const answers = await Promise.all([client.me(), client.me(), client.listProjects(), client.me(), client.templates()]);
  assert.equal(answers[0].id, user.id);
  assert.equal(storage.saves.length, 1, "one refresh");
  assert.notEqual(storage.current.refreshToken, session.refreshToken);
  assert.deepEqual(loggedOut, []);
});

test("a token known to be expiring is refreshed before the call", async () => {
  const { storage, user } = await newUser(berth, "soon");
  // The same pair, but a second from its expiry: inside the refresh margin.
  const soon = new BerthClient({ baseUrl: berth.url, storage: memoryStorage({ ...storage.current, expiresAt: Date.now() + 1000 }) });
  const before = (await soon.currentTokens()).refreshToken;
  assert.equal((await soon.me()).id, user.id);
  assert.notEqual((await soon.currentTokens()).refreshToken, before, "refreshed before the expiry");
});

test("a refused refresh ends the session: onLoggedOut, storage cleared, no retry loop", async () => {
  const { user } = await newUser(berth, "out");
  const storage = memoryStorage({ accessToken: expiredToken(user), refreshToken: "not-a-refresh-token", expiresAt: Date.now() + 600_000, expiresIn: 900 });
  const loggedOut = [];
  const client = new BerthClient({ baseUrl: berth.url, storage, onLoggedOut: (e) => loggedOut.push(e) });
  await rejects(client.me(), "unauthorized", 401);
  assert.equal(loggedOut.length, 1);
  assert.equal(loggedOut[0].code, "unauthorized");
  assert.deepEqual(storage.saves, [null]);
  await rejects(client.me(), "logged_out", 0);
  assert.equal(loggedOut.length, 1);
});

test("projects: create from a template, list, get with sync, update, delete", async () => {
  const { client, user } = await newUser(berth, "proj");
  const templates = await client.templates();
  assert.deepEqual(templates.map((t) => t.id).sort(), ["blank", "node", "python", "static-web"]);
  const p = await client.createProject({ name: "  demo  ", description: "d", templateId: "python" });
  assert.equal(p.name, "demo", "trimmed");
  assert.equal(p.role, "owner");
  assert.equal(p.ownerId, user.id);
  assert.equal(p.status, "stopped");
  const q = await client.createProject({ name: "second" });
  assert.equal(q.templateId, "blank");
  assert.deepEqual((await client.listProjects()).map((x) => x.id), [q.id, p.id], "newest first");
  const got = await client.getProject(p.id);
  assert.deepEqual(got.sync, { pending: 0, failed: [] });
  const renamed = await client.updateProject(p.id, { name: "renamed" });
  assert.equal(renamed.name, "renamed");
  assert.equal(renamed.description, "d");
  await rejects(client.createProject({ name: "" }), "bad_request", 400);
  await rejects(client.updateProject(p.id, { name: 5 }), "bad_request", 400);
  assert.deepEqual(await client.deleteProject(q.id), { deleting: false });
  await rejects(client.getProject(q.id), "not_found", 404);
  await rejects(client.getProject("00000000-0000-4000-8000-000000000000"), "not_found", 404);
});

test("members: add, change, list, the last owner stays, remove; roles are enforced", async () => {
  const owner = await newUser(berth, "own");
  const ed = await newUser(berth, "ed");
  const vi = await newUser(berth, "vi");
  const p = await owner.client.createProject({ name: "team" });
  await rejects(ed.client.getProject(p.id), "not_found", 404);
  const added = await owner.client.putMember(p.id, ed.user.id, "viewer");
  assert.equal(added.role, "viewer");
  assert.equal((await owner.client.putMember(p.id, ed.user.id, "editor")).role, "editor");
  await owner.client.putMember(p.id, vi.user.id, "viewer");
  const members = await ed.client.members(p.id);
  assert.deepEqual(members.map((m) => [m.userId, m.role]).sort(), [[owner.user.id, "owner"], [ed.user.id, "editor"], [vi.user.id, "viewer"]].sort());
  assert.equal((await ed.client.getProject(p.id)).role, "editor");
  await rejects(vi.client.updateProject(p.id, { name: "x" }), "forbidden", 403);
  await rejects(ed.client.putMember(p.id, vi.user.id, "owner"), "forbidden", 403);
  await rejects(owner.client.removeMember(p.id, owner.user.id), "conflict", 409);
  await rejects(owner.client.putMember(p.id, "00000000-0000-4000-8000-000000000000", "viewer"), "not_found", 404);
  await vi.client.removeMember(p.id, vi.user.id); // a member may leave
  await owner.client.removeMember(p.id, ed.user.id);
  await rejects(ed.client.members(p.id), "not_found", 404);
  assert.deepEqual((await owner.client.members(p.id)).map((m) => m.userId), [owner.user.id]);
});

test("REST files: list, binary write and read with versions, If-Match conflicts, delete, signed links", async () => {
  const { client } = await newUser(berth, "files");
  const p = await client.createProject({ name: "files", templateId: "python" });
  const listing = await client.listFiles(p.id, "", { recursive: true });
  assert.ok(listing.entries.some((e) => e.path === "main.py" && e.kind === "file"));
  const bytes = new Uint8Array([0, 1, 2, 0xff, 0xfe, 10, 0x80]);
  const deep = await client.writeFile(p.id, "made/on/the/way.bin", bytes);  // folders on the way are made
  assert.equal(deep.entry.path, "made/on/the/way.bin");
  const written = await client.writeFile(p.id, "blob.bin", bytes);
  const path = written.entry.path;
  assert.match(written.version, /^[0-9a-f]{64}$/);
  assert.equal(written.entry.size, bytes.length);
  assert.ok(written.seq > listing.seq);
  const read = await client.readFile(p.id, path);
  assert.deepEqual([...read.content], [...bytes]);
  assert.equal(read.version, written.version, "the ETag is the version, unquoted");

  const v2 = await client.writeFile(p.id, path, "text now", { baseVersion: written.version });
  assert.equal(v2.seq, written.seq + 1);
  const stale = await rejects(client.writeFile(p.id, path, "lost", { baseVersion: written.version }), "conflict", 409);
  assert.match(stale.message, /changed/);
  assert.equal(new TextDecoder().decode((await client.readFile(p.id, path)).content), "text now");

  const link = await client.fileLink(p.id, path);
  assert.ok(link.url.startsWith(berth.url + "/"), `absolute: ${link.url}`);
  assert.ok(Date.parse(link.expiresAt) > Date.now());
  const viaLink = await fetch(link.url);
  assert.equal(viaLink.status, 200, "no Bearer needed");
  assert.equal(await viaLink.text(), "text now");

  await rejects(client.readFile(p.id, "../etc/passwd"), "invalid_path", 400);
  await rejects(client.readFile(p.id, "missing.txt"), "not_found", 404);
  const del = await client.deleteFile(p.id, path);
  assert.equal(del.seq, v2.seq + 1);
  await rejects(client.readFile(p.id, path), "not_found", 404);
});

test("archives: a folder as a zip and back, a signed link; members added by email", async () => {
  const { client } = await newUser(berth, "zips");
  const other = await newUser(berth, "zipfriend");
  const p = await client.createProject({ name: "zips" });
  await client.writeFile(p.id, "src/app.js", "console.log(1)\n");
  const zip = await client.downloadArchive(p.id, { path: "src" });
  assert.deepEqual([...zip.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], "a zip's local header");
  const unpacked = await client.uploadArchive(p.id, zip, { path: "copy" });
  assert.deepEqual([unpacked.files, unpacked.folders, unpacked.skipped], [1, 0, []]);
  assert.equal(new TextDecoder().decode((await client.readFile(p.id, "copy/app.js")).content), "console.log(1)\n");
  const link = await client.archiveLink(p.id, "copy");
  assert.ok((await fetch(link.url)).ok, "no Bearer header needed");
  await rejects(client.uploadArchive(p.id, new TextEncoder().encode("not a zip")), "bad_request", 400);

  const added = await client.addMember(p.id, other.session.user.email.toUpperCase(), "viewer");
  assert.deepEqual([added.userId, added.role], [other.user.id, "viewer"]);
  await rejects(client.addMember(p.id, "nobody@example.test", "viewer"), "not_found", 404);
});
