// One open file: its Monaco model (or a download link for binary and large
// files), the version the buffer started from, and whether it has unsaved edits.
import { monaco, type TextModel } from "./monaco.ts";

/** Files larger than this open as a download link. */
export const MAX_EDITABLE_BYTES = 2 * 1024 * 1024;
/** Saves larger than this go over REST (the socket's messages are bounded by BERTH_MAX_BODY). */
export const MAX_SOCKET_WRITE_CHARS = 512 * 1024;

export class OpenFile {
  model: TextModel | null = null;
  /** the file's version the buffer is based on ("" for a link) */
  version = "";
  viewState: ReturnType<monaco.editor.ICodeEditor["saveViewState"]> = null;
  /** changed (or deleted) on the server while this buffer had unsaved edits */
  stale: "changed" | "deleted" | null = null;
  /** why it opens as a link, when it does */
  linkReason: string | null = null;
  private savedAlt = 0;

  constructor(public path: string) {}

  static text(path: string, content: string, version: string): OpenFile {
    const f = new OpenFile(path);
    f.model = monaco.editor.createModel(content, undefined, monaco.Uri.from({ scheme: "berth", path: "/" + path }));
    f.version = version;
    f.markSaved();
    return f;
  }

  static link(path: string, reason: string): OpenFile {
    const f = new OpenFile(path);
    f.linkReason = reason;
    return f;
  }

  get dirty(): boolean {
    return this.model !== null && this.model.getAlternativeVersionId() !== this.savedAlt;
  }

  markSaved(version?: string): void {
    if (version !== undefined) this.version = version;
    this.stale = null;
    if (this.model) this.savedAlt = this.model.getAlternativeVersionId();
  }

  /** The server's content replaces the buffer (kept undoable). */
  replace(content: string, version: string): void {
    if (!this.model) return;
    if (this.model.getValue() !== content)
      this.model.pushEditOperations([], [{ range: this.model.getFullModelRange(), text: content }], () => null);
    this.markSaved(version);
  }

  /** A rename moves the buffer to a model of the new name (its language may change). */
  renameTo(path: string): void {
    this.path = path;
    if (!this.model) return;
    const dirty = this.dirty;
    const value = this.model.getValue();
    this.model.dispose();
    this.model = monaco.editor.createModel(value, undefined, monaco.Uri.from({ scheme: "berth", path: "/" + path }));
    if (!dirty) this.markSaved();
    else this.savedAlt = -1;
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
