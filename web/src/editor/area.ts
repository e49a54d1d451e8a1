// The editor area: a tab per open file over one Monaco editor, Ctrl/Cmd+S
// saves over fs:write with the buffer's baseVersion, a conflict opens the diff
// view; others' edits flow into clean buffers; binary and large files open as
// a download link.
import { berth, describe, isCode } from "../api.ts";
import type { FileChange, ProjectSocket } from "../../../clients/js/src/index.ts";
import { h, icon, toast } from "../dom.ts";
import { ConflictView, type Theirs } from "./conflict.ts";
import { MAX_EDITABLE_BYTES, MAX_SOCKET_WRITE_CHARS, OpenFile } from "./files.ts";
import { monaco, type CodeEditor } from "./monaco.ts";

export interface EditorContext {
  socket: ProjectSocket;
  projectId: string;
  readOnly: boolean;
  /** the tree's size of a path, when it knows it */
  sizeOf(path: string): number | undefined;
  download(path: string): void;
  /** the open tabs changed (kept across reloads) */
  tabsChanged?(paths: string[], active: string | null): void;
}

export class EditorArea {
  readonly el: HTMLElement;
  private readonly files: OpenFile[] = [];
  private active: OpenFile | null = null;
  private readonly tablist: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly editorHost: HTMLElement;
  private readonly linkPanel: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly editor: CodeEditor;
  private readonly conflict: ConflictView;
  private readonly saveButton: HTMLButtonElement;
  private readonly closeButton: HTMLButtonElement;

  constructor(private readonly ctx: EditorContext) {
    this.tablist = h("div", { role: "tablist", "aria-label": "Open files", class: "tabs" });
    this.tablist.addEventListener("keydown", (e) => this.tabKeys(e));
    this.saveButton = h("button", { type: "button", class: "icon-button", "aria-label": "Save (Ctrl+S)", title: "Save (Ctrl+S)", onclick: () => void this.save() }, icon("save"));
    this.closeButton = h("button", { type: "button", class: "icon-button", "aria-label": "Close file", title: "Close file", onclick: () => this.active && this.close(this.active) }, icon("close"));
    this.editorHost = h("div", { class: "editor-host" });
    this.linkPanel = h("div", { class: "link-panel", hidden: true });
    this.empty = h("div", { class: "empty-editor hint" }, "Open a file from the tree, or press Ctrl+P to find one by name.");
    this.conflict = new ConflictView({
      keepMine: (f, theirs) => this.keepMine(f, theirs),
      takeTheirs: (f, theirs) => this.takeTheirs(f, theirs),
    });
    this.panel = h("div", { id: "editor-panel", role: "tabpanel", class: "editor-panel" }, this.empty, this.editorHost, this.linkPanel, this.conflict.el);
    this.el = h("section", { class: "editors", "aria-label": "Editor" },
      h("div", { class: "tabbar" }, this.tablist, h("div", { class: "tab-tools" }, !ctx.readOnly && this.saveButton, this.closeButton)),
      this.panel);
    this.editor = monaco.editor.create(this.editorHost, {
      model: null, automaticLayout: true, theme: "vs-dark", readOnly: ctx.readOnly, minimap: { enabled: false },
      fontSize: 14, scrollBeyondLastLine: false, tabFocusMode: false,
      readOnlyMessage: { value: "You are a viewer of this project: files are read-only for you." },
      ariaLabel: "File editor",
    });
    this.editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void this.save());
    this.editor.onDidChangeModelContent(() => this.renderTabs());
    this.show(null);
  }

  /** The path of the file in front. */
  get current(): string | null {
    return this.active?.path ?? null;
  }

  isOpen(path: string): boolean {
    return this.files.some((f) => f.path === path);
  }

  async open(path: string): Promise<void> {
    const existing = this.files.find((f) => f.path === path);
    if (existing) return this.show(existing);
    const size = this.ctx.sizeOf(path);
    let file: OpenFile;
    if (size !== undefined && size > MAX_EDITABLE_BYTES) {
      file = OpenFile.link(path, `This file is ${(size / 1048576).toFixed(1)} MB: too large to edit here.`);
    } else {
      try {
        const r = await this.ctx.socket.read(path);
        file = r.encoding === "utf8" ? OpenFile.text(path, r.content, r.version) : OpenFile.link(path, "This file is binary.");
      } catch (e) {
        if (isCode(e, "too_large")) file = OpenFile.link(path, "This file is too large to edit here.");
        else return toast(describe(e, `open ${path}`), "error");
      }
    }
    const again = this.files.find((f) => f.path === path); // opened twice meanwhile
    if (again) return (file.dispose(), this.show(again));
    this.files.push(file);
    this.show(file);
  }

  /** Saves the front file (or `file`): conditional on the version its buffer came from. */
  async save(file: OpenFile | null = this.active): Promise<void> {
    if (!file?.model || this.ctx.readOnly) return;
    const content = file.model.getValue();
    const alt = file.model.getAlternativeVersionId();
    try {
      const version = await this.write(file.path, content, file.stale === "deleted" ? undefined : file.version);
      // Edits made while the save was on its way stay unsaved.
      if (file.model.getAlternativeVersionId() === alt) file.markSaved(version);
      else (file.version = version, (file.stale = null));
      this.renderTabs();
      toast(`Saved ${file.path}.`);
    } catch (e) {
      if (isCode(e, "conflict")) return void this.showConflict(file);
      toast(describe(e, `save ${file.path}`), "error");
    }
  }

  /** fs:changed from others: clean buffers follow, edited ones learn they are stale. */
  async applyChanges(events: FileChange[]): Promise<void> {
    for (const c of events) {
      if (c.op === "renamed" && c.from) this.renamed(c.from, c.path);
      else if (c.op === "deleted") this.deletedOnServer(c.path);
      else if (c.op === "modified" || c.op === "created") {
        const f = this.files.find((x) => x.path === c.path);
        if (f?.model && c.version !== f.version) await this.refresh(f);
      }
    }
  }

  /** After a resync: every open buffer is checked against the server. */
  async reloadAll(): Promise<void> {
    for (const f of [...this.files]) if (f.model) await this.refresh(f);
  }

  renamed(from: string, to: string): void {
    for (const f of this.files) {
      if (f.path !== from && !f.path.startsWith(from + "/")) continue;
      const isActive = f === this.active;
      if (isActive) f.viewState = this.editor.saveViewState();
      if (isActive) this.editor.setModel(null);
      f.renameTo(to + f.path.slice(from.length));
      if (isActive) this.show(f);
    }
    this.renderTabs();
  }

  deleted(path: string): void {
    for (const f of [...this.files]) if (f.path === path || f.path.startsWith(path + "/")) this.close(f);
  }

  dispose(): void {
    this.conflict.close();
    this.editor.dispose();
    for (const f of this.files) f.dispose();
  }

  // ---- internals ---------------------------------------------------------------

  private async write(path: string, content: string, baseVersion: string | undefined): Promise<string> {
    if (content.length > MAX_SOCKET_WRITE_CHARS)
      return (await berth.writeFile(this.ctx.projectId, path, content, { baseVersion })).version;
    return (await this.ctx.socket.write(path, content, baseVersion === undefined ? {} : { baseVersion })).version;
  }

  private async refresh(f: OpenFile): Promise<void> {
    let theirs: Theirs;
    try {
      theirs = await this.theirs(f.path);
    } catch (e) {
      return toast(describe(e, `read ${f.path}`), "error");
    }
    if (theirs.content === null) return this.deletedOnServer(f.path);
    if (theirs.version === f.version) return;
    if (f.dirty) f.stale = "changed";
    else f.replace(theirs.content, theirs.version!);
    this.renderTabs();
  }

  private deletedOnServer(path: string): void {
    for (const f of this.files) {
      if (f.path !== path && !f.path.startsWith(path + "/")) continue;
      if (f.dirty) f.stale = "deleted";
      else this.close(f);
    }
    this.renderTabs();
  }

  private async theirs(path: string): Promise<Theirs> {
    try {
      const r = await this.ctx.socket.read(path);
      return { content: r.encoding === "utf8" ? r.content : new TextDecoder().decode(r.content), version: r.version };
    } catch (e) {
      if (isCode(e, "not_found")) return { content: null, version: null };
      throw e;
    }
  }

  private async showConflict(file: OpenFile): Promise<void> {
    try {
      const theirs = await this.theirs(file.path);
      this.show(file);
      this.conflict.show(file, theirs);
      this.editorHost.hidden = true;
    } catch (e) {
      toast(describe(e, `read ${file.path}`), "error");
    }
  }

  private async keepMine(file: OpenFile, theirs: Theirs): Promise<void> {
    const content = file.model!.getValue();
    try {
      const version = await this.write(file.path, content, theirs.version ?? undefined);
      file.markSaved(version);
      this.closeConflict();
      toast(`Saved ${file.path}: your version replaced theirs.`);
    } catch (e) {
      if (isCode(e, "conflict")) {
        toast(`${file.path} changed again on the server: compare once more.`, "error");
        return this.showConflict(file);
      }
      toast(describe(e, `save ${file.path}`), "error");
    }
  }

  private takeTheirs(file: OpenFile, theirs: Theirs): void {
    this.closeConflict();
    if (theirs.content === null) return this.close(file, true);
    file.replace(theirs.content, theirs.version!);
    this.renderTabs();
    toast(`${file.path}: took the version on the server.`);
  }

  private closeConflict(): void {
    this.conflict.close();
    this.show(this.active);
  }

  private close(file: OpenFile, force = false): void {
    if (!force && file.dirty && !confirm(`${file.path} has unsaved changes. Close it anyway?`)) return;
    if (this.conflict.file === file) this.conflict.close();
    const i = this.files.indexOf(file);
    if (i < 0) return;
    this.files.splice(i, 1);
    if (this.active === file) {
      this.editor.setModel(null);
      this.active = null;
      this.show(this.files[Math.min(i, this.files.length - 1)] ?? null);
    }
    file.dispose();
    this.renderTabs();
  }

  private show(file: OpenFile | null): void {
    if (this.active && this.active !== file && this.active.model) this.active.viewState = this.editor.saveViewState();
    if (this.conflict.open && this.conflict.file !== file) this.conflict.close();
    this.active = file;
    this.empty.hidden = file !== null;
    this.editorHost.hidden = !file?.model || this.conflict.open;
    this.linkPanel.hidden = !file || file.model !== null;
    this.closeButton.disabled = !file;
    this.saveButton.disabled = !file?.model;
    if (file?.model) {
      if (this.editor.getModel() !== file.model) {
        this.editor.setModel(file.model);
        if (file.viewState) this.editor.restoreViewState(file.viewState);
      }
      this.editor.focus();
    } else if (file) {
      this.linkPanel.replaceChildren(
        h("p", null, file.linkReason),
        h("button", { type: "button", class: "primary", onclick: () => this.ctx.download(file.path) }, icon("cloud-download"), ` Download ${file.path}`));
    }
    this.renderTabs();
  }

  private renderTabs(): void {
    const tabs = this.files.map((f) => {
      const selected = f === this.active;
      const state = f.stale === "deleted" ? " (deleted on the server)" : f.stale ? " (changed on the server)" : f.dirty ? " (unsaved)" : "";
      return h("button", {
        type: "button", role: "tab", id: `tab-${cssId(f.path)}`, class: "tab" + (f.dirty ? " dirty" : ""), "aria-selected": String(selected),
        "aria-controls": "editor-panel", tabindex: selected ? "0" : "-1", title: f.path + state, "data-path": f.path,
        onclick: () => this.show(f), onauxclick: (e: MouseEvent) => e.button === 1 && this.close(f),
      }, f.path.slice(f.path.lastIndexOf("/") + 1), f.dirty && h("span", { class: "dot", "aria-hidden": "true" }, " ●"),
        state && h("span", { class: "visually-hidden" }, state));
    });
    this.tablist.replaceChildren(...tabs);
    this.ctx.tabsChanged?.(this.files.map((f) => f.path), this.active?.path ?? null);
    if (this.active) this.panel.setAttribute("aria-labelledby", `tab-${cssId(this.active.path)}`);
    else this.panel.removeAttribute("aria-labelledby");
  }

  private tabKeys(e: KeyboardEvent): void {
    const i = this.active ? this.files.indexOf(this.active) : -1;
    const next = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : null;
    if (next === null || this.files.length === 0) return;
    e.preventDefault();
    const f = this.files[(next + this.files.length) % this.files.length]!;
    this.show(f);
    this.tablist.querySelector<HTMLElement>(`[data-path="${CSS.escape(f.path)}"]`)?.focus();
  }
}

const cssId = (path: string) => path.replace(/[^A-Za-z0-9_-]/g, (c) => "_" + c.charCodeAt(0).toString(16));
