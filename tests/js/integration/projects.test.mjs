// Projects, templates and members over REST, with authorisation checks.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startBerth, signup } from "../lib/berth.mjs";

let berth, alice, bob;
before(async () => {
  berth = await startBerth();
  alice = await signup(berth.url, "alice");
  bob = await signup(berth.url, "bob");
});
after(() => berth.stop());

const create = async (who, body) => {
  const r = await who.api.post("/api/v1/projects", body);
  assert.equal(r.status, 201, r.text);
  return r.json;
};

test("templates are listed", async () => {
  const r = await alice.api.get("/api/v1/templates");
  assert.equal(r.status, 200);
  const ids = r.json.templates.map((t) => t.id);
  for (const id of ["blank", "node", "python"]) assert.ok(ids.includes(id), id);
});

test("create, get, list, patch, delete a project", async () => {
  const p = await create(alice, { name: "  My app  ", description: "line one\nline two", templateId: "node" });
  assert.equal(p.name, "My app");
  assert.equal(p.templateId, "node");
  assert.equal(p.ownerId, alice.user.id);
  assert.equal(p.status, "stopped");
  assert.match(p.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  for (const k of ["id", "name", "description", "templateId", "ownerId", "status", "createdAt", "updatedAt"]) assert.ok(k in p, k);

  assert.deepEqual((await alice.api.get(`/api/v1/projects/${p.id}`)).json.id, p.id);
  const list = await alice.api.get("/api/v1/projects");
  assert.ok(list.json.projects.some((x) => x.id === p.id));

  const patched = await alice.api.patch(`/api/v1/projects/${p.id}`, { name: "Renamed" });
  assert.equal(patched.status, 200);
  assert.equal(patched.json.name, "Renamed");
  assert.equal(patched.json.description, "line one\nline two");

  assert.equal((await alice.api.del(`/api/v1/projects/${p.id}`)).status, 204);
  assert.equal((await alice.api.get(`/api/v1/projects/${p.id}`)).status, 404);
});

test("another user's project is 404 for every route, and is not listed", async () => {
  const p = await create(alice, { name: "private" });
  for (const [method, body] of [["get"], ["patch", { name: "x" }], ["del"]]) {
    const r = await bob.api[method](`/api/v1/projects/${p.id}`, body);
    assert.equal(r.status, 404, method);
    assert.equal(r.json.error.code, "not_found");
  }
  assert.equal((await bob.api.get(`/api/v1/projects/${p.id}/members`)).status, 404);
  assert.equal((await bob.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "owner" })).status, 404);
  const list = await bob.api.get("/api/v1/projects");
  assert.ok(!list.json.projects.some((x) => x.id === p.id));
  assert.equal((await bob.api.get(`/api/v1/projects/${randomUUID()}`)).status, 404);
  assert.equal((await bob.api.get(`/api/v1/projects/not-a-uuid`)).status, 404);
});

test("roles: viewers read, editors edit, only owners delete and manage members", async () => {
  const p = await create(alice, { name: "shared" });
  const put = await alice.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "viewer" });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.role, "viewer");
  assert.equal(put.json.email, bob.email);

  assert.equal((await bob.api.get(`/api/v1/projects/${p.id}`)).json.role, "viewer");
  const viewerPatch = await bob.api.patch(`/api/v1/projects/${p.id}`, { name: "nope" });
  assert.equal(viewerPatch.status, 403);
  assert.equal(viewerPatch.json.error.code, "forbidden");

  await alice.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "editor" });
  assert.equal((await bob.api.patch(`/api/v1/projects/${p.id}`, { description: "edited by bob" })).status, 200);
  assert.equal((await bob.api.del(`/api/v1/projects/${p.id}`)).status, 403);
  assert.equal((await bob.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "owner" })).status, 403);

  const members = await bob.api.get(`/api/v1/projects/${p.id}/members`);
  assert.deepEqual(members.json.members.map((m) => m.role).sort(), ["editor", "owner"]);

  // bob may leave on his own; then the project is gone for him
  assert.equal((await bob.api.del(`/api/v1/projects/${p.id}/members/${bob.user.id}`)).status, 204);
  assert.equal((await bob.api.get(`/api/v1/projects/${p.id}`)).status, 404);
});

test("a project always keeps an owner", async () => {
  const p = await create(alice, { name: "owned" });
  const demote = await alice.api.put(`/api/v1/projects/${p.id}/members/${alice.user.id}`, { role: "editor" });
  assert.equal(demote.status, 409);
  const leave = await alice.api.del(`/api/v1/projects/${p.id}/members/${alice.user.id}`);
  assert.equal(leave.status, 409);
  await alice.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "owner" });
  assert.equal((await alice.api.del(`/api/v1/projects/${p.id}/members/${alice.user.id}`)).status, 204);
});

test("membership input is validated", async () => {
  const p = await create(alice, { name: "members" });
  const badRole = await alice.api.put(`/api/v1/projects/${p.id}/members/${bob.user.id}`, { role: "admin" });
  assert.equal(badRole.status, 400);
  const ghost = await alice.api.put(`/api/v1/projects/${p.id}/members/${randomUUID()}`, { role: "viewer" });
  assert.equal(ghost.status, 404);
  const notMember = await alice.api.del(`/api/v1/projects/${p.id}/members/${bob.user.id}`);
  assert.equal(notMember.status, 404);
});

test("an owner adds a member by email, in any case; an unknown email or a non-owner is refused", async () => {
  const p = await create(alice, { name: "by email" });
  const added = await alice.api.post(`/api/v1/projects/${p.id}/members`, { email: bob.email.toUpperCase(), role: "editor" });
  assert.equal(added.status, 200, added.text);
  assert.deepEqual([added.json.userId, added.json.role], [bob.user.id, "editor"]);
  assert.equal((await bob.api.get(`/api/v1/projects/${p.id}`)).status, 200, "bob is in");
  const changed = await alice.api.post(`/api/v1/projects/${p.id}/members`, { email: bob.email, role: "viewer" });
  assert.equal(changed.json.role, "viewer");
  const unknown = await alice.api.post(`/api/v1/projects/${p.id}/members`, { email: "nobody@example.test", role: "viewer" });
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.error.message, /sign up/);
  const byViewer = await bob.api.post(`/api/v1/projects/${p.id}/members`, { email: alice.email, role: "viewer" });
  assert.equal(byViewer.status, 403);
  assert.equal((await alice.api.post(`/api/v1/projects/${p.id}/members`, { role: "viewer" })).status, 400);
});

test("project input is validated with messages that name the field", async () => {
  const cases = [
    [{}, /'name' is required/],
    [{ name: "" }, /'name' must be 1 to 100/],
    [{ name: "x".repeat(101) }, /'name' must be 1 to 100/],
    [{ name: 42 }, /'name' must be a string/],
    [{ name: "a\u0001b" }, /control characters/],
    [{ name: "ok", description: 5 }, /'description' must be a string/],
    [{ name: "ok", templateId: "cobol" }, /unknown templateId/],
    [[1, 2], /JSON object/],
  ];
  for (const [body, message] of cases) {
    const r = await alice.api.post("/api/v1/projects", body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.code, "bad_request");
    assert.match(r.json.error.message, message);
  }
  // a name of 100 emoji is 100 characters, not 400 bytes
  assert.equal((await alice.api.post("/api/v1/projects", { name: "🚀".repeat(100) })).status, 201);
  const p = await create(alice, { name: "patch me" });
  const empty = await alice.api.patch(`/api/v1/projects/${p.id}`, {});
  assert.equal(empty.status, 400);
});
