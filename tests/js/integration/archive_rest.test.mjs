// A project folder as a zip and back over REST (DESIGN §5): the download is
// read by Python's zipfile (an independent reader), with and without zip64;
// .berthignore'd paths stay out; signed links; the unpack writes every
// entry and refuses zip-slip names, zip bombs and damaged archives whole.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startBerth, signup } from "../lib/berth.mjs";

let berth, alice, viewer, project, scratch;
const maxFile = 4 << 20;
before(async () => {
  berth = await startBerth({ env: { BERTH_MAX_FILE_SIZE: String(maxFile) } });
  [alice, viewer] = [await signup(berth.url, "alice"), await signup(berth.url, "vera")];
  project = (await alice.api.post("/api/v1/projects", { name: "zip me" })).json;
  await alice.api.put(`/api/v1/projects/${project.id}/members/${viewer.user.id}`, { role: "viewer" });
  scratch = mkdtempSync(join(tmpdir(), "berth-archive-"));
});
after(async () => {
  await berth.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const api = (rest) => `${berth.url}/api/v1/projects/${project.id}/${rest}`;
const auth = (user) => ({ Authorization: `Bearer ${user.accessToken}` });
const put = (path, body) => fetch(api(`files/content?path=${encodeURIComponent(path)}`), { method: "PUT", headers: auth(alice), body });
const read = async (path) => {
  const r = await fetch(api(`files/content?path=${encodeURIComponent(path)}`), { headers: auth(alice) });
  return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : r.status;
};

/** Runs Python with the archive's path as argv[1]; its stdout parsed as JSON. */
function python(script, bytes) {
  const file = join(scratch, `${randomBytes(4).toString("hex")}.zip`);
  if (bytes) writeFileSync(file, bytes);
  return JSON.parse(execFileSync("python3", ["-c", script, file], { encoding: "utf8" }));
}
const READ_ZIP = `
import json, sys, zipfile, base64
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({i.filename: {"data": base64.b64encode(z.read(i)).decode(), "mode": i.external_attr >> 16,
                               "zip64": i.extra.startswith(b"\\x01\\x00")} for i in z.infolist()}))
`;
/** A zip made by Python: entries [name, text or {zeros: n}] (deflated), read back as bytes. */
function pythonZip(entries) {
  const script = `
import json, sys, zipfile
entries = json.loads(sys.argv[2])
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in entries:
        z.writestr(name, text if isinstance(text, str) else bytes(text["zeros"]))
print("{}")`;
  const file = join(scratch, `${randomBytes(4).toString("hex")}.zip`);
  execFileSync("python3", ["-c", script, file, JSON.stringify(entries)]);
  return execFileSync("cat", [file]);
}
const unpack = (bytes, folder = "", user = alice) =>
  fetch(api(`archive?path=${encodeURIComponent(folder)}`), { method: "POST", headers: { ...auth(user), "Content-Type": "application/zip" }, body: bytes });

test("the project as a zip, read by Python's zipfile, with and without zip64; ignored paths left out", async () => {
  const binary = randomBytes(200_000);
  for (const [path, body] of [["src/main.py", "print('hi')\n"], ["src/data.bin", binary], ["README.md", "# zip me\n"],
    ["node_modules/left/out.js", "x"], ["secret.env", "TOKEN=1"], [".berthignore", "secret.env\n"]])
    assert.equal((await put(path, body)).status, 200);
  for (const zip64 of ["", "&zip64=1"]) {
    const res = await fetch(api(`archive?path=${zip64}`), { headers: auth(viewer) });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get("content-type"), "application/zip");
    assert.match(res.headers.get("content-disposition"), /attachment; filename\*=UTF-8''zip%20me\.zip/);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), zip64 !== "", "a zip64 end record only when asked");
    const got = python(READ_ZIP, bytes);
    assert.deepEqual(Object.keys(got).sort(), [".berthignore", "README.md", "src/", "src/data.bin", "src/main.py"]);
    assert.equal(Buffer.from(got["src/main.py"].data, "base64").toString(), "print('hi')\n");
    assert.ok(Buffer.from(got["src/data.bin"].data, "base64").equals(binary));
    assert.equal(got["src/"].mode & 0o170000, 0o040000, "a folder entry");
    if (zip64) assert.ok(got["src/main.py"].zip64, "zip64 extra fields on the entries");
  }
  const sub = await fetch(api("archive?path=src"), { headers: auth(alice) });
  assert.match(sub.headers.get("content-disposition"), /filename\*=UTF-8''src\.zip/);
  assert.deepEqual(Object.keys(python(READ_ZIP, Buffer.from(await sub.arrayBuffer()))).sort(), ["data.bin", "main.py"]);
  assert.equal((await fetch(api("archive?path=README.md"), { headers: auth(alice) })).status, 400, "a file is not a folder");
  assert.equal((await fetch(api("archive?path=..%2Fx"), { headers: auth(alice) })).status, 400);
});

test("a signed archive link works without a Bearer header, for that folder only", async () => {
  const made = await fetch(api("archive/link?path=src"), { method: "POST", headers: auth(viewer) });
  assert.equal(made.status, 200);
  const { url, expiresAt } = await made.json();
  assert.ok(Date.parse(expiresAt) > Date.now());
  const got = await fetch(new URL(url, berth.url));
  assert.equal(got.status, 200);
  assert.deepEqual(Object.keys(python(READ_ZIP, Buffer.from(await got.arrayBuffer()))).sort(), ["data.bin", "main.py"]);
  const other = new URL(url, berth.url);
  other.searchParams.set("path", "");
  assert.equal((await fetch(other)).status, 401, "the link names its folder");
  assert.equal((await fetch(api("archive/link?path="), { method: "POST" })).status, 401);
});

test("an uploaded zip is unpacked into a folder: files, folders, fs-style changes; viewers may not", async () => {
  const zip = pythonZip([["app/index.js", "console.log(1)\n"], ["app/lib/", ""], ["notes.txt", "n"], ["__MACOSX/._notes.txt", "junk"]]);
  assert.equal((await unpack(zip, "up", viewer)).status, 403);
  const res = await unpack(zip, "up");
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.deepEqual([body.files, body.folders], [2, 1]);
  assert.equal(typeof body.seq, "number");
  assert.equal((await read("up/app/index.js")).toString(), "console.log(1)\n");
  assert.equal((await read("up/notes.txt")).toString(), "n");
  assert.equal(await read("up/__MACOSX/._notes.txt"), 404);
  const listed = await alice.api.get(`/api/v1/projects/${project.id}/files?path=up&recursive=true`);
  assert.ok(listed.json.entries.some((e) => e.path === "up/app/lib" && e.kind === "dir"));
  // Again: existing files are replaced, the folder that exists is fine.
  const again = await unpack(pythonZip([["app/index.js", "console.log(2)\n"]]), "up");
  assert.equal(again.status, 200);
  assert.equal((await read("up/app/index.js")).toString(), "console.log(2)\n");
});

test("zip-slip names refuse the whole archive; nothing is written", async () => {
  for (const evil of ["../escaped.txt", "/abs.txt", "a/../../escaped.txt", "..\\..\\escaped.txt"]) {
    const res = await unpack(pythonZip([["first-ok.txt", "1"], [evil, "2"]]), "slip");
    assert.equal(res.status, 400, evil);
    const { error } = await res.json();
    assert.equal(error.code, "invalid_path", evil);
  }
  assert.equal(await read("slip/first-ok.txt"), 404, "not even the good entry");
  assert.equal(await read("escaped.txt"), 404);
});

test("zip bombs and damaged archives are refused and the server stays up", async () => {
  // 64 MiB of zeros deflates to ~64 KiB: over BERTH_MAX_FILE_SIZE by its declared size.
  const bomb = pythonZip([["zeros.bin", { zeros: 64 << 20 }]]);
  assert.ok(bomb.length < 1 << 20);
  const big = await unpack(bomb, "bomb");
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, "too_large");
  // The same stream declaring 1 KiB in the central directory: it stops there.
  const liar = Buffer.from(bomb);
  const cd = liar.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  liar.writeUInt32LE(1024, cd + 24);
  const lied = await unpack(liar, "bomb");
  assert.equal(lied.status, 400);
  const { error } = await lied.json();
  assert.equal(error.code, "bad_request");
  assert.match(error.message, /declared size/);
  const junk = await unpack(Buffer.from("this is not a zip at all"), "bomb");
  assert.equal(junk.status, 400);
  assert.match((await junk.json()).error.message, /zip/);
  assert.equal((await fetch(`${berth.url}/healthz`)).status, 200);
  assert.equal(await read("bomb/zeros.bin"), 404);
});
