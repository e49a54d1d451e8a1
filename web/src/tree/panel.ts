// The files side bar: toolbar (new file, new folder, upload, rename, delete,
// download) over the tree, wired to the project's socket (fs:*) and to REST
// for uploads and download links.
import { berth, describe } from "../api.ts";
import type { FileChange, ProjectSocket } from "../../../clients/js/src/index.ts";
import { confirmDialog, h, icon, promptDialog, toast } from "../dom.ts";
import { baseName, joinPath, parentOf, TreeModel } from "./model.ts";
import { TreeView } from "./view.ts";

export interface FilesContext {
  socket: ProjectSocket;
  projectId: string;
  readOnly: boolean;
  open(path: string): void;
  renamed(from: string, to: string): void;
  deleted(path: string): void;
}

const VERB: Record<FileChange["op"], string> = { created: "created", modified: "changed", deleted: "deleted", renamed: "moved" };

export class FilesPanel {
  readonly el: HTMLElement;
  readonly model = new TreeModel();
  readonly view: TreeView;
  private readonly selectionButtons: HTMLButtonElement[] = [];

  constructor(private readonly ctx: FilesContext) {
    this.view = new TreeView(this.model, {
      open: (p) => ctx.open(p),
      rename: (p) => void this.rename(p),
      remove: (p) => void this.remove(p),
      move: (from, dir) => void this.move(from, dir),
      upload: (files, dir) => void this.upload(files, dir),
      selected: () => this.updateButtons(),
    }, ctx.readOnly);
    const picker = h("input", { type: "file", multiple: true, hidden: true, "aria-hidden": "true", tabindex: "-1",
      onchange: () => (picker.files?.length && void this.upload([...picker.files], this.view.selectedDir()), (picker.value = "")) });
    const tool = (name: string, label: string, action: () => void, needsSelection = false, edit = true) => {
      if (edit && ctx.readOnly) return null;
      const b = h("button", { type: "button", class: "icon-button", "aria-label": label, title: label, onclick: action }, icon(name));
      if (needsSelection) this.selectionButtons.push(b);
      return b;
    };
    this.el = h("div", { class: "files" },
      h("div", { class: "toolbar", role: "toolbar", "aria-label": "File actions" },
        tool("new-file", "New file", () => void this.create("file")),
        tool("new-folder", "New folder", () => void this.create("dir")),
        tool("cloud-upload", "Upload files", () => picker.click()),
        tool("edit", "Rename", () => this.view.selected && void this.rename(this.view.selected), true),
        tool("trash", "Delete", () => this.view.selected && void this.remove(this.view.selected), true),
        tool("cloud-download", "Download file", () => this.view.selected && void this.download(this.view.selected), true, false),
        tool("refresh", "Reload the tree", () => void this.reload(), false, false),
        picker),
      this.view.el);
    this.updateButtons();
  }

  async reload(): Promise<void> {
    try {
      const listing = await this.ctx.socket.reload();
      this.model.reset(listing.entries);
      this.view.render();
    } catch (e) {
      toast(describe(e, "list the files"), "error");
    }
  }

  /** Others' changes (fs:changed): the tree follows, the changed rows say who. */
  applyChanges(events: FileChange[], nameOf: (userId?: string) => string): void {
    for (const c of events) {
      this.model.apply(c);
      if (c.op !== "deleted") this.view.note(c.path, `${VERB[c.op]} by ${nameOf(c.by)}`);
    }
    this.view.render();
  }

  private updateButtons(): void {
    for (const b of this.selectionButtons) b.disabled = !this.view.selected || this.model.get(this.view.selected)?.kind === "dir" && b.getAttribute("aria-label") === "Download file";
  }

  private async create(kind: "file" | "dir"): Promise<void> {
    const dir = this.view.selectedDir();
    const what = kind === "file" ? "file" : "folder";
    const name = await promptDialog(`New ${what}`, `Name of the new ${what}${dir ? ` in ${dir}/` : ""}`, "", "Create");
    if (!name) return;
    const path = joinPath(dir, name.replace(/^\/+|\/+$/g, ""));
    try {
      const { entry } = await this.ctx.socket.create(path, kind);
      this.model.upsert(entry);
      this.view.select(path);
      if (kind === "file") this.ctx.open(path);
    } catch (e) {
      toast(describe(e, `create ${path}`), "error");
    }
  }

  private async rename(path: string): Promise<void> {
    const name = await promptDialog("Rename", `New name for ${path}`, baseName(path), "Rename");
    if (!name || name === baseName(path)) return;
    await this.doRename(path, joinPath(parentOf(path), name));
  }

  private async move(from: string, dir: string): Promise<void> {
    const to = joinPath(dir, baseName(from));
    if (to === from || dir === from || dir.startsWith(from + "/")) return;
    await this.doRename(from, to);
  }

  private async doRename(from: string, to: string): Promise<void> {
    try {
      await this.ctx.socket.rename(from, to);
      this.model.move(from, to);
      this.ctx.renamed(from, to);
      this.view.select(to);
    } catch (e) {
      toast(describe(e, `move ${from} to ${to}`), "error");
    }
  }

  private async remove(path: string): Promise<void> {
    const dir = this.model.get(path)?.kind === "dir";
    const ok = await confirmDialog("Delete", `Delete ${path}${dir ? " and everything in it" : ""}?`, "Delete", true);
    if (!ok) return;
    try {
      await this.ctx.socket.delete(path);
      this.model.remove(path);
      this.ctx.deleted(path);
      this.view.select(null);
    } catch (e) {
      toast(describe(e, `delete ${path}`), "error");
    }
  }

  /** Files from the desktop, each streamed in over REST (PUT files/content). */
  async upload(files: File[], dir: string): Promise<void> {
    for (const file of files) {
      const path = joinPath(dir, file.name);
      try {
        const { entry } = await berth.writeFile(this.ctx.projectId, path, file);
        this.model.upsert(entry);
        toast(`Uploaded ${path}.`);
      } catch (e) {
        toast(describe(e, `upload ${path}`), "error");
      }
    }
    this.view.render();
  }

  async download(path: string): Promise<void> {
    try {
      const { url } = await berth.fileLink(this.ctx.projectId, path);
      const a = h("a", { href: url, download: baseName(path), hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      toast(describe(e, `download ${path}`), "error");
    }
  }
}
