// The Supabase Storage API routes the stand-in serves (paths below
// /storage/v1). Handlers get a ctx {req, role, params, store, options,
// json(), readBody(limit)} and return {status, headers, body} or throw a
// StorageError. Authentication has already happened: role is "service" or
// "anon". The anon role sees what row-level security with no policies shows:
// nothing, and it may write nothing.
import { errors } from "./errors.mjs";

// The real server's key rule (after percent-decoding): anything outside this
// set, including every non-ASCII character, is an InvalidKey.
const KEY_RE = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$/;
const BUCKET_RE = /^[A-Za-z0-9_!.*'() &$@=;:+,?-]+$/;
const RLS = "new row violates row-level security policy";

function checkKey(key) {
  if (key.length === 0 || Buffer.byteLength(key) > 1024 || !KEY_RE.test(key)) throw errors.invalidKey(key);
}

const json = (body, status = 200) => ({ status, body });

function fileMetadata(row) {
  return {
    eTag: `"${row.etag}"`, size: row.size, mimetype: row.mimetype, cacheControl: row.cacheControl,
    lastModified: row.updated_at, contentLength: row.size, httpStatusCode: 200,
  };
}

// ---- objects

async function upload(ctx, overwrite) {
  const { bucket: bucketId, key } = ctx.params;
  checkKey(key);
  const bucket = ctx.store.bucket(bucketId);
  if (!bucket) throw errors.noSuchBucket();
  if (ctx.role !== "service") throw errors.accessDenied(RLS);
  const mimetype = ctx.req.headers["content-type"] || "application/octet-stream";
  // A multipart body would be stored as is, unlike the real server: refuse it
  // loudly rather than keep a wrong object.
  if (/^multipart\/form-data/i.test(mimetype)) throw errors.invalidRequest("the stand-in takes raw bodies only");
  const allowed = bucket.allowed_mime_types;
  if (allowed?.length && !allowed.some((m) => mimeMatches(m, mimetype))) throw errors.invalidMimeType(mimetype);
  // A bucket's own limit counts only when set (0 means none) and smaller.
  const data = await ctx.readBody(Math.min(ctx.options.maxUploadBytes, bucket.file_size_limit || Infinity));
  const cc = ctx.req.headers["cache-control"];
  const cacheControl = !cc ? "max-age=3600" : /^\d+$/.test(cc) ? `max-age=${cc}` : cc;
  overwrite ||= ctx.req.headers["x-upsert"] === "true";
  const row = ctx.store.put(bucketId, key, { data, mimetype, cacheControl }, { overwrite });
  return json({ Key: `${bucketId}/${key}`, Id: row.id });
}

function mimeMatches(pattern, type) {
  const base = type.split(";")[0].trim().toLowerCase();
  pattern = pattern.toLowerCase();
  return pattern.endsWith("/*") ? base.startsWith(pattern.slice(0, -1)) : base === pattern;
}

function visibleObject(ctx) {
  const { bucket, key } = ctx.params;
  checkKey(key);
  const row = ctx.role === "service" ? ctx.store.object(bucket, key) : null;
  if (!row) throw errors.noSuchKey();
  return row;
}

// null: no (usable) Range header, serve everything; "invalid": unsatisfiable.
function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? "");
  if (!m || (m[1] === "" && m[2] === "")) return null;
  let start, end;
  if (m[1] === "") [start, end] = [Math.max(0, size - Number(m[2])), size - 1];
  else [start, end] = [Number(m[1]), m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1)];
  return start > end || start >= size ? "invalid" : { start, end };
}

function getObject(ctx, head = false) {
  const row = visibleObject(ctx);
  const headers = {
    "content-type": row.mimetype, "cache-control": row.cacheControl, etag: `"${row.etag}"`,
    "last-modified": new Date(row.updated_at).toUTCString(), "accept-ranges": "bytes",
  };
  const inm = ctx.req.headers["if-none-match"];
  if (inm && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === headers.etag)) return { status: 304, headers };
  if (head) return { status: 200, headers: { ...headers, "content-length": row.size } };
  const data = ctx.store.readBlob(row);
  const range = parseRange(ctx.req.headers.range, row.size);
  if (range === "invalid") throw errors.invalidRange();
  if (!range) return { status: 200, headers, body: data };
  const { start, end } = range;
  return { status: 206, headers: { ...headers, "content-range": `bytes ${start}-${end}/${row.size}` }, body: data.subarray(start, end + 1) };
}

function objectInfo(ctx) {
  const row = visibleObject(ctx);
  return json({
    id: row.id, name: row.name, version: row.version, bucket_id: row.bucket_id, size: row.size,
    content_type: row.mimetype, cache_control: row.cacheControl, etag: `"${row.etag}"`, metadata: {},
    last_modified: row.updated_at, created_at: row.created_at,
  });
}

function deleteObject(ctx) {
  const row = visibleObject(ctx);
  ctx.store.remove(row.bucket_id, row.name);
  return json({ message: "Successfully deleted" });
}

// Listing shows ONE level below the prefix, folders (synthesised from longer
// keys, all-null rows) and files together, sorted, then offset and limit.
async function listObjects(ctx) {
  // Fastify's Ajv coerces "10" to 10; so do we.
  const int = (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v);
  const { prefix, limit: l = 100, offset: o = 0, sortBy = {}, search = "" } = await ctx.json();
  const [limit, offset] = [int(l), int(o)];
  if (typeof prefix !== "string") throw errors.invalidRequest("body must have required property 'prefix'");
  if (!Number.isInteger(limit) || limit < 1) throw errors.invalidRequest("body/limit must be >= 1");
  if (!Number.isInteger(offset) || offset < 0) throw errors.invalidRequest("body/offset must be >= 0");
  const { column = "name", order = "asc" } = sortBy;
  if (!["name", "updated_at", "created_at", "last_accessed_at"].includes(column) || !["asc", "desc"].includes(order)) {
    throw errors.invalidRequest("body/sortBy must be a known column and order");
  }
  if (ctx.role !== "service" || !ctx.store.bucket(ctx.params.bucket)) return json([]);
  const folder = prefix.replace(/\/+$/, "");
  const base = folder ? folder + "/" : "";
  const needle = String(search).toLowerCase();
  const folders = new Set();
  const files = [];
  for (const row of ctx.store.objectsIn(ctx.params.bucket).values()) {
    if (!row.name.startsWith(base)) continue;
    const rest = row.name.slice(base.length);
    const slash = rest.indexOf("/");
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (!name.toLowerCase().startsWith(needle)) continue;
    if (slash >= 0) folders.add(name);
    else {
      const { id, updated_at, created_at, last_accessed_at } = row;
      files.push({ name, id, updated_at, created_at, last_accessed_at, metadata: fileMetadata(row) });
    }
  }
  const nulls = { id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null };
  const entries = [...folders].map((name) => ({ name, ...nulls })).concat(files);
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0); // byte order, like COLLATE "C" for ASCII keys
  // PostgreSQL puts NULLs last ascending, first descending: reversing does both.
  const byColumn = (a, b) =>
    (a[column] === null) - (b[column] === null) || cmp(a[column] ?? "", b[column] ?? "") || cmp(a.name, b.name);
  entries.sort(order === "asc" ? byColumn : (a, b) => byColumn(b, a));
  return json(entries.slice(offset, offset + limit));
}

// Deletes exact keys only; a folder name matches no row. Answers the rows
// actually deleted.
async function deleteObjects(ctx) {
  const { prefixes } = await ctx.json();
  if (!Array.isArray(prefixes)) throw errors.invalidRequest("body must have required property 'prefixes'");
  if (prefixes.length === 0) throw errors.invalidRequest("body/prefixes must NOT have fewer than 1 items");
  if (!prefixes.every((p) => typeof p === "string")) throw errors.invalidRequest("body/prefixes must be strings");
  if (ctx.role !== "service") return json([]);
  const deleted = [];
  for (const name of new Set(prefixes)) {
    const row = ctx.store.remove(ctx.params.bucket, name);
    if (!row) continue;
    const { bucket_id, id, version, created_at, updated_at, last_accessed_at } = row;
    deleted.push({
      bucket_id, name, id, owner: null, owner_id: null, version, created_at, updated_at, last_accessed_at,
      metadata: fileMetadata(row), user_metadata: null,
    });
  }
  return json(deleted);
}

async function moveOrCopy(ctx, op) {
  const body = await ctx.json();
  for (const field of ["bucketId", "sourceKey", "destinationKey"]) {
    if (typeof body[field] !== "string") throw errors.invalidRequest(`body must have required property '${field}'`);
  }
  const { bucketId, sourceKey, destinationKey } = body;
  const toBucket = body.destinationBucket ?? bucketId;
  checkKey(destinationKey);
  if (ctx.role !== "service") throw errors.noSuchKey(); // the source is invisible to anon
  if (op === "move") {
    ctx.store.move(bucketId, sourceKey, toBucket, destinationKey);
    return json({ message: "Successfully moved" });
  }
  const overwrite = ctx.req.headers["x-upsert"] === "true";
  ctx.store.copy(bucketId, sourceKey, toBucket, destinationKey, { overwrite });
  return json({ Key: `${toBucket}/${destinationKey}` });
}

// ---- buckets

// "20MB", "1GB", 1048576 … as the real server accepts (binary multiples).
function parseSize(v) {
  if (v === undefined || v === null) return null;
  if (Number.isInteger(v) && v >= 0) return v;
  const m = /^(\d+)\s*(B|KB|MB|GB)?$/i.exec(String(v));
  if (!m) throw errors.invalidRequest("Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B");
  return Number(m[1]) * 1024 ** ["B", "KB", "MB", "GB"].indexOf((m[2] ?? "B").toUpperCase());
}

async function createBucket(ctx) {
  const body = await ctx.json();
  const name = body.name ?? body.id;
  if (typeof name !== "string") throw errors.invalidRequest("body must have required property 'name'");
  if (name.length > 100 || !BUCKET_RE.test(name)) throw errors.invalidBucketName();
  if (ctx.role !== "service") throw errors.accessDenied(RLS);
  const allowedMimeTypes = Array.isArray(body.allowed_mime_types) ? body.allowed_mime_types : null;
  const fileSizeLimit = parseSize(body.file_size_limit);
  ctx.store.createBucket({ name, isPublic: body.public === true, fileSizeLimit, allowedMimeTypes });
  return json({ name });
}

function visibleBucket(ctx) {
  const bucket = ctx.role === "service" ? ctx.store.bucket(ctx.params.bucket) : null;
  if (!bucket) throw errors.noSuchBucket();
  return bucket;
}

function listBuckets(ctx) {
  if (ctx.role !== "service") return json([]);
  return json([...ctx.store.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1)));
}

// ---- the table: [method, path pattern, template (the stats name), handler].
// Fixed segments come first, as Fastify prefers them to parameters.
const B = "([^/]+)";
const K = "(.*)";
const route = (method, pattern, template, handler) => ({ method, re: new RegExp(`^${pattern}$`), template, handler });
export const ROUTES = [
  route("POST", `/object/list/${B}`, "POST /object/list/{bucket}", listObjects),
  route("POST", "/object/move", "POST /object/move", (c) => moveOrCopy(c, "move")),
  route("POST", "/object/copy", "POST /object/copy", (c) => moveOrCopy(c, "copy")),
  route("GET", `/object/info/(?:authenticated/)?${B}/${K}`, "GET /object/info/{bucket}/{key}", objectInfo),
  route("GET", `/object/authenticated/${B}/${K}`, "GET /object/authenticated/{bucket}/{key}", (c) => getObject(c)),
  route("HEAD", `/object/authenticated/${B}/${K}`, "HEAD /object/authenticated/{bucket}/{key}", (c) => getObject(c, true)),
  route("GET", `/object/${B}/${K}`, "GET /object/{bucket}/{key}", (c) => getObject(c)),
  route("HEAD", `/object/${B}/${K}`, "HEAD /object/{bucket}/{key}", (c) => getObject(c, true)),
  route("POST", `/object/${B}/${K}`, "POST /object/{bucket}/{key}", (c) => upload(c, false)),
  route("PUT", `/object/${B}/${K}`, "PUT /object/{bucket}/{key}", (c) => upload(c, true)),
  route("DELETE", `/object/${B}`, "DELETE /object/{bucket}", deleteObjects),
  route("DELETE", `/object/${B}/${K}`, "DELETE /object/{bucket}/{key}", deleteObject),
  route("POST", "/bucket/?", "POST /bucket", createBucket),
  route("GET", "/bucket/?", "GET /bucket", listBuckets),
  route("GET", `/bucket/${B}`, "GET /bucket/{bucket}", (c) => json(visibleBucket(c))),
  route("DELETE", `/bucket/${B}`, "DELETE /bucket/{bucket}", (c) => {
    c.store.deleteBucket(visibleBucket(c).id);
    return json({ message: "Successfully deleted" });
  }),
  route("POST", `/bucket/${B}/empty`, "POST /bucket/{bucket}/empty", (c) => {
    c.store.emptyBucket(visibleBucket(c).id);
    return json({ message: "Successfully emptied" });
  }),
];

// A raw segment that does not decode stays raw: its "%" then makes the key
// an InvalidKey and the bucket a missing one, as a failed decode should.
function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// path: below /storage/v1, still percent-encoded. A literal "+" stays "+".
export function matchRoute(method, path) {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.re.exec(path);
    if (m) return { route: r, params: { bucket: m[1] === undefined ? undefined : decode(m[1]), key: m[2] === undefined ? undefined : decode(m[2]) } };
  }
  return null;
}
