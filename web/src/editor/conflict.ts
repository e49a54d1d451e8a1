// A save that met a newer version on the server: theirs and yours side by
// side (Monaco's diff editor; yours stays editable), and the two ways out.
// Nothing is overwritten unless "Keep mine" is chosen, and even then only the
// version shown here (a newer one is another conflict).
import { h, icon } from "../dom.ts";
import { monaco, type DiffEditor } from "./monaco.ts";
import type { OpenFile } from "./files.ts";

export interface Theirs {
  /** null: the file was deleted on the server */
  content: string | null;
  version: string | null;
}

export interface ConflictChoice {
  keepMine(file: OpenFile, theirs: Theirs): Promise<void>;
  takeTheirs(file: OpenFile, theirs: Theirs): void;
}

export class ConflictView {
  readonly el: HTMLElement;
  private diff: DiffEditor | null = null;
  private original: monaco.editor.ITextModel | null = null;
  file: OpenFile | null = null;

  constructor(private readonly choice: ConflictChoice) {
    this.el = h("div", { class: "conflict", hidden: true, role: "region", "aria-label": "Save conflict" });
  }

  get open(): boolean {
    return this.file !== null;
  }

  show(file: OpenFile, theirs: Theirs): void {
    this.close();
    this.file = file;
    const busy = (b: boolean) => this.el.querySelectorAll("button").forEach((x) => (x.disabled = b));
    const gone = theirs.content === null;
    const host = h("div", { class: "diff-host" });
    this.el.replaceChildren(
      h("div", { class: "conflict-bar", role: "alert" },
        icon("warning"),
        h("p", null, gone
          ? `${file.path} was deleted on the server while you edited it.`
          : `${file.path} was changed on the server since you opened it. Left: theirs (on the server). Right: yours (you can edit it).`),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "primary", onclick: async () => {
            busy(true);
            try {
              await this.choice.keepMine(file, theirs);
            } finally {
              busy(false);
            }
          } }, gone ? "Keep mine (save it again)" : "Keep mine (overwrite)"),
          h("button", { type: "button", onclick: () => this.choice.takeTheirs(file, theirs) }, gone ? "Close it (take the deletion)" : "Take theirs"))),
      host);
    this.el.hidden = false;
    this.original = monaco.editor.createModel(theirs.content ?? "", file.model!.getLanguageId());
    this.diff = monaco.editor.createDiffEditor(host, {
      automaticLayout: true, theme: "vs-dark", originalEditable: false, renderSideBySide: true, useInlineViewWhenSpaceIsLimited: true,
      ariaLabel: `Differences in ${file.path}: theirs and yours`,
    });
    this.diff.setModel({ original: this.original, modified: file.model! });
  }

  close(): void {
    this.diff?.dispose();
    this.original?.dispose();
    this.diff = null;
    this.original = null;
    this.file = null;
    this.el.hidden = true;
    this.el.replaceChildren();
  }
}
