// Buckets and objects, in memory or, with a dataDir, mirrored to disk so a
// restarted stand-in sees the same objects. Each object write is all or
// nothing: callers hand over a complete body, never a stream, and the
// existence check and the write happen in one synchronous step, so two racing
// uploads of one key cannot both "create" it.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errors } from "./errors.mjs";

const now = () => new Date().toISOString();

function atomicWrite(path, data) {
  writeFileSync(path + ".tmp", data);
  renameSync(path + ".tmp", path);
}

export class Store {
  constructor(dataDir) {
    this.dir = dataDir ?? null;
    this.buckets = new Map(); // id → bucket row
    this.objects = new Map(); // bucket id → Map(name → object row)
    this.blobs = new Map(); // version → Buffer (memory mode only)
    if (this.dir) this.#load();
  }

  #load() {
    mkdirSync(join(this.dir, "blobs"), { recursive: true });
    const index = join(this.dir, "index.json");
    if (!existsSync(index)) return;
    const { buckets, objects } = JSON.parse(readFileSync(index, "utf8"));
    for (const b of buckets) this.#addBucket(b);
    for (const o of objects) this.objects.get(o.bucket_id)?.set(o.name, o);
  }

  #save() {
    if (!this.dir) return;
    const objects = [...this.objects.values()].flatMap((m) => [...m.values()]);
    atomicWrite(join(this.dir, "index.json"), JSON.stringify({ buckets: [...this.buckets.values()], objects }));
  }

  #addBucket(b) {
    this.buckets.set(b.id, b);
    this.objects.set(b.id, new Map());
  }

  #writeBlob(version, data) {
    if (this.dir) atomicWrite(join(this.dir, "blobs", version), data);
    else this.blobs.set(version, data);
  }

  #dropBlob(version) {
    if (this.dir) rmSync(join(this.dir, "blobs", version), { force: true });
    else this.blobs.delete(version);
  }

  readBlob(row) {
    return this.dir ? readFileSync(join(this.dir, "blobs", row.version)) : this.blobs.get(row.version);
  }

  reset() {
    this.buckets.clear();
    this.objects.clear();
    this.blobs.clear();
    if (this.dir) {
      rmSync(join(this.dir, "blobs"), { recursive: true, force: true });
      mkdirSync(join(this.dir, "blobs"), { recursive: true });
      this.#save();
    }
  }

  // ---- buckets

  createBucket({ name, isPublic = false, fileSizeLimit = null, allowedMimeTypes = null }) {
    if (this.buckets.has(name)) throw errors.bucketAlreadyExists();
    const t = now();
    this.#addBucket({
      id: name, name, owner: "", public: isPublic, type: "STANDARD",
      file_size_limit: fileSizeLimit, allowed_mime_types: allowedMimeTypes, created_at: t, updated_at: t,
    });
    this.#save();
  }

  bucket(id) {
    return this.buckets.get(id) ?? null;
  }

  deleteBucket(id) {
    if (!this.buckets.has(id)) throw errors.noSuchBucket();
    if (this.objects.get(id).size > 0) throw errors.bucketNotEmpty();
    this.buckets.delete(id);
    this.objects.delete(id);
    this.#save();
  }

  emptyBucket(id) {
    if (!this.buckets.has(id)) throw errors.noSuchBucket();
    for (const name of [...this.objects.get(id).keys()]) this.remove(id, name);
  }

  // ---- objects

  object(bucketId, name) {
    return this.objects.get(bucketId)?.get(name) ?? null;
  }

  objectsIn(bucketId) {
    return this.objects.get(bucketId) ?? new Map();
  }

  // Stores a complete body. Overwriting keeps the row id (the real server
  // upserts the row) and gives it a new version.
  put(bucketId, name, { data, mimetype, cacheControl }, { overwrite }) {
    const objects = this.objects.get(bucketId);
    if (!objects) throw errors.noSuchBucket();
    const old = objects.get(name);
    if (old && !overwrite) throw errors.keyAlreadyExists();
    const t = now();
    const row = {
      id: old?.id ?? randomUUID(), bucket_id: bucketId, name, version: randomUUID(),
      size: data.length, mimetype, cacheControl, etag: createHash("md5").update(data).digest("hex"),
      created_at: old?.created_at ?? t, updated_at: t, last_accessed_at: t,
    };
    this.#writeBlob(row.version, data);
    objects.set(name, row);
    if (old) this.#dropBlob(old.version);
    this.#save();
    return row;
  }

  remove(bucketId, name) {
    const row = this.object(bucketId, name);
    if (!row) return null;
    this.objects.get(bucketId).delete(name);
    this.#dropBlob(row.version);
    this.#save();
    return row;
  }

  move(bucketId, from, toBucket, to) {
    const row = this.object(bucketId, from);
    if (!row) throw errors.noSuchKey();
    if (!this.objects.has(toBucket)) throw errors.noSuchBucket();
    if (this.object(toBucket, to)) throw errors.keyAlreadyExists();
    this.objects.get(bucketId).delete(from);
    const moved = { ...row, bucket_id: toBucket, name: to, updated_at: now() };
    this.objects.get(toBucket).set(to, moved);
    this.#save();
    return moved;
  }

  copy(bucketId, from, toBucket, to, { overwrite }) {
    const row = this.object(bucketId, from);
    if (!row) throw errors.noSuchKey();
    if (!this.objects.has(toBucket)) throw errors.noSuchBucket();
    const data = this.readBlob(row);
    return this.put(toBucket, to, { data, mimetype: row.mimetype, cacheControl: row.cacheControl }, { overwrite });
  }
}
