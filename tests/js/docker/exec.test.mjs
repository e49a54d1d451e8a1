// POST /projects/{id}/exec against a real container: output and exit code,
// argv and sh -c forms, cwd and env, bounded output, and a timeout that
// kills the command together with its children.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startRuntimeBerth, userWithProject, removeContainers } from "./helpers.mjs";

let berth, api, id;
before(async () => {
  berth = await startRuntimeBerth();
  ({ api, id } = await userWithProject(berth));
});
after(async () => {
  await berth?.stop();
  removeContainers([id]);
});

const exec = (body) => api.post(`/api/v1/projects/${id}/exec`, body);

test("exec starts the project when needed and returns exit code, stdout and stderr", async () => {
  const r = await exec({ command: "echo hello; echo oops >&2; exit 3" });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, {
    exitCode: 3, stdout: "hello\n", stderr: "oops\n", stdoutEncoding: "utf8", stderrEncoding: "utf8",
    truncated: false, timedOut: false,
  });
  assert.equal((await api.get(`/api/v1/projects/${id}`)).json.status, "ready");
});

test("an argv command runs as is, as uid 1000, in /workspace, with cwd and env", async () => {
  let r = await exec({ command: ["sh", "-c", "pwd; id -u; echo \"$GREETING\""], env: { GREETING: "hi there" } });
  assert.equal(r.json.stdout, "/workspace\n1000\nhi there\n", r.text);
  await exec({ command: "mkdir -p sub/dir" });
  r = await exec({ command: "pwd", cwd: "sub/dir" });
  assert.equal(r.json.stdout, "/workspace/sub/dir\n");
  r = await exec({ command: ["/no/such/program"] });
  assert.notEqual(r.json.exitCode, 0);
});

test("a flood of output is cut at 1 MiB per stream", async () => {
  const r = await exec({ command: "yes | head -c 3000000; yes e | head -c 10 >&2" });
  assert.equal(r.status, 200);
  assert.equal(r.json.stdout.length, 1 << 20);
  assert.equal(r.json.stderr, "e\ne\ne\ne\ne\n");
  assert.equal(r.json.truncated, true);
  assert.equal(r.json.exitCode, 0);
});

test("a timeout kills the command and its children", async () => {
  // Answered at the deadline, not when the sleeps end (the runner's own timeout would catch a hang).
  const r = await exec({ command: "sleep 301 & sleep 302 & sleep 303; echo never", timeoutMs: 500 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.timedOut, true);
  assert.equal(r.json.stdout, "");
  assert.equal(r.json.exitCode, 137);
  const ps = await exec({ command: "ps -o args" });
  assert.doesNotMatch(ps.json.stdout, /sleep 30[123]/, ps.json.stdout);
});

test("bad exec input is a 400 that names the field", async () => {
  for (const [body, field] of [
    [{}, "command"],
    [{ command: "" }, "command"],
    [{ command: [] }, "command"],
    [{ command: [1, 2] }, "command"],
    [{ command: "true", timeoutMs: 0 }, "timeoutMs"],
    [{ command: "true", timeoutMs: 1.5 }, "timeoutMs"],
    [{ command: "true", env: { "BAD-NAME": "x" } }, "env"],
    [{ command: "true", env: { A: 1 } }, "env"],
  ]) {
    const r = await exec(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.code, "bad_request");
    assert.match(r.json.error.message, new RegExp(field));
  }
});
