// The terminal panel: a tab per terminal of the project. At load it lists
// the project's terminals (term:list) and attaches to each, so a reload finds
// them with their scrollback; editors open new ones (+) and close them.
// While the socket is down the terminals take no input and say so; after a
// reconnect the list tells which are still there: the others (a restart of
// the server ends every terminal) say that their session ended.
import { describe, isCode } from "../api.ts";
import type { ProjectSocket, TerminalInfo } from "../../../clients/js/src/index.ts";
import { h, icon, toast } from "../dom.ts";
import { TerminalView } from "./view.ts";

export class TerminalPanel {
  readonly el: HTMLElement;
  private readonly views: TerminalView[] = [];
  private active: TerminalView | null = null;
  private readonly tablist: HTMLElement;
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;
  private counter = 0;

  constructor(socket: ProjectSocket, private readonly readOnly: boolean) {
    this.socket = socket;
    this.tablist = h("div", { role: "tablist", "aria-label": "Terminals", class: "tabs" });
    this.tablist.addEventListener("keydown", (e) => this.tabKeys(e));
    this.empty = h("p", { class: "hint empty-terminal" }, readOnly ? "No terminal is open in this project." : "Starting a terminal…");
    this.body = h("div", { class: "terminal-body" }, this.empty);
    this.el = h("section", { class: "terminals", "aria-label": "Terminals" },
      h("div", { class: "tabbar" }, this.tablist,
        h("div", { class: "tab-tools" },
          !readOnly && h("button", { type: "button", class: "icon-button", "aria-label": "New terminal", title: "New terminal", onclick: () => void this.openNew() }, icon("add")),
          !readOnly && h("button", { type: "button", class: "icon-button", "aria-label": "Close terminal", title: "Close terminal", onclick: () => void this.closeActive() }, icon("trash")))),
      this.body);
  }

  private readonly socket: ProjectSocket;

  /** Attaches to the project's terminals; an editor gets a fresh shell when there is none. */
  async start(): Promise<void> {
    let list: TerminalInfo[];
    try {
      list = await this.socket.listTerminals();
    } catch (e) {
      this.empty.textContent = describe(e, "list the terminals");
      return;
    }
    for (const info of list) await this.attach(info);
    if (this.views.length === 0 && !this.readOnly) await this.openNew();
  }

  /** The socket dropped: no terminal takes input until it is back. */
  disconnected(): void {
    for (const v of this.views) v.setOffline(true);
  }

  /**
   * After a reconnect (or a resync): terminals others opened meanwhile are
   * attached; those of ours the server no longer lists have ended (a
   * restart of the server ends them all), and say so.
   */
  async refresh(): Promise<void> {
    // Only tabs whose terminal the server had before this listing was asked for.
    const known = [...this.views];
    let list: TerminalInfo[];
    try {
      list = await this.socket.listTerminals();
    } catch {
      for (const v of known) v.setOffline(!this.socket.connected);
      return;
    }
    const ids = new Set(list.map((t) => t.id));
    for (const v of known) {
      if (ids.has(v.stream.id)) v.setOffline(false);
      else if (!v.ended && this.views.includes(v)) v.gone();
    }
    for (const info of list) if (!this.views.some((v) => v.stream?.id === info.id)) await this.attach(info);
  }

  async openNew(): Promise<void> {
    const view = this.newView();
    try {
      const { cols, rows } = view.size;
      // autoAck false: xterm's write callback calls processed() (flow control).
      const stream = await this.socket.openTerminal({ cols, rows, flow: true }, { autoAck: false });
      view.bind(stream, String(++this.counter));
      this.added(view);
    } catch (e) {
      this.drop(view);
      this.empty.textContent = describe(e, "open a terminal");
      toast(describe(e, "open a terminal"), "error");
    }
  }

  private async attach(info: TerminalInfo): Promise<void> {
    const view = this.newView();
    try {
      const size = this.readOnly ? {} : view.size;
      const label = `${++this.counter}${info.command ? ` (${info.command})` : ""}`;
      const stream = await this.socket.attachTerminal(info.id, { flow: true, ...size, autoAck: false });
      view.bind(stream, label);
      if (stream.exitCode !== null) view.ended = true;
      this.added(view);
    } catch (e) {
      this.drop(view);
      if (!isCode(e, "not_found")) toast(describe(e, "attach to a terminal"), "error");
    }
  }

  private newView(): TerminalView {
    const view = new TerminalView(this.readOnly, () => this.renderTabs(), this.readOnly ? null : () => void this.openNew());
    view.mount(this.body);
    return view;
  }

  private added(view: TerminalView): void {
    this.views.push(view);
    this.empty.hidden = true;
    this.show(view);
  }

  private drop(view: TerminalView): void {
    view.el.remove();
    view.dispose();
  }

  private show(view: TerminalView | null): void {
    this.active = view;
    for (const v of this.views) v.el.hidden = v !== view;
    this.renderTabs();
    view?.refit();
  }

  private async closeActive(): Promise<void> {
    const view = this.active;
    if (!view) return;
    try {
      if (!view.ended) await view.stream.close();
    } catch (e) {
      if (!isCode(e, "not_found")) return toast(describe(e, "close the terminal"), "error");
    }
    const i = this.views.indexOf(view);
    this.views.splice(i, 1);
    this.drop(view);
    this.show(this.views[Math.min(i, this.views.length - 1)] ?? null);
    if (!this.views.length) (this.empty.hidden = false), (this.empty.textContent = "No terminal: open one with +.");
  }

  private renderTabs(): void {
    this.tablist.replaceChildren(...this.views.map((v) => h("button", {
      type: "button", role: "tab", id: `term-tab-${v.stream.id}`, "aria-controls": `term-panel-${v.stream.id}`,
      "aria-selected": String(v === this.active), tabindex: v === this.active ? "0" : "-1", class: "tab", "data-terminal-id": v.stream.id,
      onclick: () => (this.show(v), v.focus()),
    }, icon("terminal"), ` Terminal ${v.label}${v.ended ? " (ended)" : ""}`)));
  }

  private tabKeys(e: KeyboardEvent): void {
    const i = this.active ? this.views.indexOf(this.active) : -1;
    const next = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : null;
    if (next === null || !this.views.length) return;
    e.preventDefault();
    const v = this.views[(next + this.views.length) % this.views.length]!;
    this.show(v);
    this.tablist.querySelector<HTMLElement>(`#term-tab-${CSS.escape(v.stream.id)}`)?.focus();
  }

  dispose(): void {
    for (const v of this.views) v.dispose();
  }
}
