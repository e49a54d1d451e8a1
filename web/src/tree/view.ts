// The file tree: an ARIA tree (one tab stop, arrow keys, Enter opens, F2
// renames, Delete deletes), drag an item onto a folder to move it (fs:rename),
// drop files from the desktop to upload them, brief marks for others' changes.
import type { FileEntry } from "../../../clients/js/src/index.ts";
import { h, icon } from "../dom.ts";
import { parentOf, type TreeModel } from "./model.ts";

export interface TreeActions {
  open(path: string): void;
  rename(path: string): void;
  remove(path: string): void;
  move(from: string, toDir: string): void;
  upload(files: File[], dir: string): void;
  /** the selection changed (the toolbar acts on it) */
  selected(path: string | null): void;
}

const DRAG_TYPE = "application/x-berth-path";

export class TreeView {
  readonly el: HTMLUListElement;
  readonly expanded = new Set<string>();
  selected: string | null = null;
  private focused: string | null = null;
  private readonly notes = new Map<string, { text: string; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly model: TreeModel, private readonly actions: TreeActions, private readonly readOnly: boolean) {
    this.el = h("ul", { role: "tree", "aria-label": "Project files", class: "tree", tabindex: "0" });
    this.el.addEventListener("keydown", (e) => this.onKey(e));
    this.el.addEventListener("focus", () => this.el.tabIndex === 0 && this.focusItem(this.focused ?? this.visible()[0] ?? null));
    if (!readOnly) this.dropZone(this.el, () => "");
  }

  /** The folder that new files go into: the selected folder, or the selected file's. */
  selectedDir(): string {
    const e = this.selected ? this.model.get(this.selected) : undefined;
    if (!e) return "";
    return e.kind === "dir" ? e.path : parentOf(e.path);
  }

  select(path: string | null, focus = false): void {
    this.selected = path;
    for (let dir = path ? parentOf(path) : ""; dir; dir = parentOf(dir)) this.expanded.add(dir);
    this.focused = path;
    this.render();
    if (focus) this.focusItem(path);
    this.actions.selected(path);
  }

  /** Marks a path for a few seconds ("changed by …"). */
  note(path: string, text: string): void {
    const old = this.notes.get(path);
    if (old) clearTimeout(old.timer);
    this.notes.set(path, { text, timer: setTimeout(() => (this.notes.delete(path), this.render()), 4000) });
  }

  render(): void {
    const hadFocus = this.el.contains(document.activeElement) && document.activeElement !== this.el;
    if (this.selected && !this.model.get(this.selected)) this.selected = null;
    if (this.focused && !this.model.get(this.focused)) this.focused = this.selected;
    const items = this.items("", 1);
    this.el.replaceChildren(...items);
    if (items.length === 0) this.el.append(h("li", { role: "none", class: "hint empty" }, "No files yet."));
    // One tab stop: the focused item, else the tree itself.
    const target = this.focused ? this.itemOf(this.focused) : null;
    this.el.tabIndex = target ? -1 : 0;
    if (target) target.tabIndex = 0;
    if (hadFocus) this.focusItem(this.focused);
  }

  private items(dir: string, level: number): HTMLElement[] {
    return this.model.children(dir).map((e) => this.item(e, level));
  }

  private item(e: FileEntry, level: number): HTMLElement {
    const isDir = e.kind === "dir";
    const open = isDir && this.expanded.has(e.path);
    const note = this.notes.get(e.path);
    const li = h("li", {
      role: "treeitem", "aria-level": level, "aria-label": e.name, "aria-selected": String(this.selected === e.path),
      "aria-expanded": isDir ? String(open) : null, tabindex: "-1", "data-path": e.path, draggable: this.readOnly ? null : "true",
      class: note ? "changed" : null,
    },
      h("div", { class: "tree-row", style: `padding-left:${(level - 1) * 14 + 6}px` },
        icon(isDir ? (open ? "chevron-down" : "chevron-right") : "blank"),
        icon(isDir ? (open ? "folder-opened" : "folder") : "file"),
        h("span", { class: "tree-name" }, e.name),
        note && h("span", { class: "tree-note" }, note.text)));
    li.addEventListener("click", (ev) => {
      ev.stopPropagation();
      this.activate(e.path);
    });
    if (!this.readOnly) {
      li.addEventListener("dragstart", (ev) => {
        ev.stopPropagation();
        ev.dataTransfer!.setData(DRAG_TYPE, e.path);
        ev.dataTransfer!.effectAllowed = "move";
      });
      this.dropZone(li, () => (isDir ? e.path : parentOf(e.path)));
    }
    if (open) li.append(h("ul", { role: "group" }, ...this.items(e.path, level + 1)));
    return li;
  }

  private dropZone(el: HTMLElement, dirOf: () => string): void {
    el.addEventListener("dragover", (ev) => {
      const types = ev.dataTransfer?.types ?? [];
      if (!types.includes(DRAG_TYPE) && !types.includes("Files")) return;
      ev.preventDefault();
      ev.stopPropagation();
      ev.dataTransfer!.dropEffect = types.includes(DRAG_TYPE) ? "move" : "copy";
      el.classList.add("drop-target");
    });
    el.addEventListener("dragleave", () => el.classList.remove("drop-target"));
    el.addEventListener("drop", (ev) => {
      el.classList.remove("drop-target");
      const dt = ev.dataTransfer;
      if (!dt) return;
      ev.preventDefault();
      ev.stopPropagation();
      const from = dt.getData(DRAG_TYPE);
      if (from) this.actions.move(from, dirOf());
      else if (dt.files.length) this.actions.upload([...dt.files], dirOf());
    });
  }

  private activate(path: string): void {
    const e = this.model.get(path);
    if (!e) return;
    if (e.kind === "dir") {
      if (this.expanded.has(path)) this.expanded.delete(path);
      else this.expanded.add(path);
    }
    this.select(path, true);
    if (e.kind === "file") this.actions.open(path);
  }

  private visible(): string[] {
    return [...this.el.querySelectorAll<HTMLElement>("[role=treeitem]")].map((li) => li.dataset.path!);
  }

  private itemOf(path: string | null): HTMLElement | null {
    if (path === null) return null;
    return [...this.el.querySelectorAll<HTMLElement>("[role=treeitem]")].find((li) => li.dataset.path === path) ?? null;
  }

  private focusItem(path: string | null): void {
    const li = this.itemOf(path);
    if (!li) return;
    for (const other of this.el.querySelectorAll<HTMLElement>("[role=treeitem][tabindex='0']")) other.tabIndex = -1;
    this.el.tabIndex = -1;
    li.tabIndex = 0;
    this.focused = path;
    li.focus();
  }

  private onKey(ev: KeyboardEvent): void {
    const paths = this.visible();
    const current = this.focused && paths.includes(this.focused) ? this.focused : null;
    const i = current ? paths.indexOf(current) : -1;
    const e = current ? this.model.get(current) : undefined;
    const move = (p: string | undefined) => p !== undefined && this.focusItem(p);
    switch (ev.key) {
      case "ArrowDown": move(paths[Math.min(paths.length - 1, i + 1)]); break;
      case "ArrowUp": move(paths[Math.max(0, i - 1)]); break;
      case "Home": move(paths[0]); break;
      case "End": move(paths[paths.length - 1]); break;
      case "ArrowRight":
        if (e?.kind === "dir" && !this.expanded.has(e.path)) (this.expanded.add(e.path), this.render());
        else if (e?.kind === "dir") move(paths[i + 1]);
        break;
      case "ArrowLeft":
        if (e?.kind === "dir" && this.expanded.has(e.path)) (this.expanded.delete(e.path), this.render());
        else if (e && parentOf(e.path)) move(parentOf(e.path));
        break;
      case "Enter":
      case " ":
        if (current) this.activate(current);
        break;
      case "F2":
        if (current && !this.readOnly) this.actions.rename(current);
        break;
      case "Delete":
        if (current && !this.readOnly) this.actions.remove(current);
        break;
      default:
        return;
    }
    ev.preventDefault();
  }
}
