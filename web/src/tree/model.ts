// The project's files as a map from path to entry, built from a full
// listing and kept current by fs:changed events and this client's own acks.
import type { FileChange, FileEntry } from "../../../clients/js/src/index.ts";

export const parentOf = (path: string): string => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
export const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);
export const joinPath = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);

export class TreeModel {
  readonly entries = new Map<string, FileEntry>();

  /** A full recursive listing of the root. */
  reset(entries: FileEntry[]): void {
    this.entries.clear();
    for (const e of entries) this.entries.set(e.path, e);
  }

  get(path: string): FileEntry | undefined {
    return this.entries.get(path);
  }

  /** Sorted children of a folder ("" is the root): folders first, then by name. */
  children(dir: string): FileEntry[] {
    const out: FileEntry[] = [];
    for (const e of this.entries.values()) if (parentOf(e.path) === dir) out.push(e);
    return out.sort((a, b) => (a.kind === "dir") !== (b.kind === "dir") ? (a.kind === "dir" ? -1 : 1) : a.name.localeCompare(b.name));
  }

  files(): FileEntry[] {
    return [...this.entries.values()].filter((e) => e.kind === "file").sort((a, b) => a.path.localeCompare(b.path));
  }

  upsert(entry: FileEntry): void {
    this.entries.set(entry.path, entry);
    // A file made deep inside: its folders exist too.
    for (let dir = parentOf(entry.path); dir && !this.entries.has(dir); dir = parentOf(dir))
      this.entries.set(dir, { path: dir, name: baseName(dir), kind: "dir", size: 0, mtime: entry.mtime });
  }

  remove(path: string): void {
    for (const p of [...this.entries.keys()]) if (p === path || p.startsWith(path + "/")) this.entries.delete(p);
  }

  move(from: string, to: string): void {
    const moved: FileEntry[] = [];
    for (const [p, e] of this.entries) {
      if (p !== from && !p.startsWith(from + "/")) continue;
      const path = to + p.slice(from.length);
      moved.push({ ...e, path, name: baseName(path) });
      this.entries.delete(p);
    }
    for (const e of moved) this.upsert(e);
  }

  apply(change: FileChange): void {
    switch (change.op) {
      case "created":
      case "modified": {
        const old = this.entries.get(change.path);
        this.upsert({ size: 0, mtime: Date.now(), ...old, path: change.path, name: baseName(change.path), kind: change.kind, version: change.version });
        break;
      }
      case "deleted":
        this.remove(change.path);
        break;
      case "renamed":
        if (change.from) this.move(change.from, change.path);
        else this.upsert({ path: change.path, name: baseName(change.path), kind: change.kind, size: 0, mtime: Date.now() });
        break;
    }
  }
}
