// The ports panel, under the file tree: the TCP ports programs in the
// project's container listen on (GET …/ports, then port:opened and
// port:closed), each with "Open", which opens its preview in a new tab
// through a fresh session link (a private preview needs its own origin's
// cookie, which only that link sets), and, for the owner, whether anyone
// with the URL may open it (PUT …/previews/{port}); the others see which.
import { berth, describe } from "../api.ts";
import type { PortOpened } from "../../../clients/js/src/index.ts";
import { h, icon, toast } from "../dom.ts";

export interface PortsContext {
  projectId: string;
  /** only the owner may make a port public (the server answers forbidden to the others) */
  isOwner: boolean;
  /** a line in the status bar's activity */
  say(text: string): void;
}

interface Row {
  info: PortOpened;
  el: HTMLLIElement;
  toggle: HTMLInputElement | null;
  state: HTMLElement | null;
  url: HTMLAnchorElement;
  busy: boolean;
}

type Change = { open: PortOpened } | { closed: number };

const OPEN_KEY = "berth.ports.open";

export class PortsPanel {
  readonly el: HTMLElement;
  private readonly rows = new Map<number, Row>();
  private readonly list = h("ul", { class: "port-list", "aria-label": "Open ports" });
  private readonly empty = h("p", { class: "hint ports-empty" },
    "No ports open. Start a server in the terminal (for example ", h("code", null, "python3 -m http.server 8000"),
    " or ", h("code", null, "httpd -p 8080"), ") and it appears here.");
  private readonly count = h("span", { class: "badge", hidden: true });
  /** changes seen while a listing is on its way: replayed over it, in order */
  private pending: Change[] | null = null;
  private generation = 0;

  constructor(private readonly ctx: PortsContext) {
    const details = h("details", { class: "ports-details", open: localStorage.getItem(OPEN_KEY) !== "no" },
      h("summary", null, "Ports", this.count),
      this.empty, this.list);
    details.addEventListener("toggle", () => localStorage.setItem(OPEN_KEY, details.open ? "yes" : "no"));
    this.el = h("section", { class: "ports", "aria-label": "Ports" }, details);
    this.list.hidden = true;
  }

  /** The open ports as the server has them now (at the start, after a reconnect or a resync). */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.pending = [];
    try {
      const ports = await berth.ports(this.ctx.projectId);
      if (generation !== this.generation) return;
      const pending = this.pending;
      this.pending = null;
      const now = new Set(ports.map((p) => p.port));
      for (const port of [...this.rows.keys()]) if (!now.has(port)) this.remove(port);
      for (const p of ports) this.put(p);
      for (const c of pending) "open" in c ? this.put(c.open) : this.remove(c.closed);
    } catch (e) {
      if (generation !== this.generation) return;
      this.pending = null;
      toast(describe(e, "list the open ports"), "error");
    }
  }

  /** port:opened */
  opened(p: PortOpened): void {
    this.pending?.push({ open: p });
    if (!this.rows.has(p.port)) this.ctx.say(`Port ${p.port} is open`);
    this.put(p);
  }

  /** port:closed */
  closed(port: number): void {
    this.pending?.push({ closed: port });
    if (this.rows.has(port)) this.ctx.say(`Port ${port} closed`);
    this.remove(port);
  }

  private put(info: PortOpened): void {
    const row = this.rows.get(info.port);
    if (row) {
      row.info = info;
      return this.paint(row);
    }
    const port = info.port;
    const toggleId = `port-public-${port}`;
    const toggle = this.ctx.isOwner
      ? h("input", { type: "checkbox", id: toggleId, onchange: () => void this.syncPublic(port) })
      : null;
    const state = this.ctx.isOwner ? null : h("span", { class: "port-state", title: "Only the project's owner can change this." });
    const url = h("a", { class: "port-url", target: "_blank", rel: "noopener noreferrer", title: "Anyone with this link can open it" });
    const el = h("li", { class: "port-row", "data-port": String(port) },
      h("span", { class: "port-number" }, String(port)),
      toggle && h("label", { class: "port-public", for: toggleId }, toggle, "Public", h("span", { class: "visually-hidden" }, ` (port ${port})`)),
      state,
      h("button", { type: "button", class: "small", onclick: () => this.open(port) },
        icon("link-external"), "Open", h("span", { class: "visually-hidden" }, ` port ${port}`)),
      url);
    const made: Row = { info, el, toggle, state, url, busy: false };
    this.rows.set(port, made);
    const next = [...this.rows.keys()].filter((p) => p > port).sort((a, b) => a - b)[0];
    this.list.insertBefore(el, next === undefined ? null : this.rows.get(next)!.el);
    this.paint(made);
    this.counted();
  }

  private remove(port: number): void {
    const row = this.rows.get(port);
    if (!row) return;
    // Focus in the row would fall to the page's body: keep it in the panel.
    const hadFocus = row.el.contains(document.activeElement);
    row.el.remove();
    this.rows.delete(port);
    this.counted();
    if (hadFocus) (this.list.querySelector<HTMLElement>("button") ?? this.el.querySelector<HTMLElement>("summary"))?.focus();
  }

  private paint(row: Row): void {
    const { info } = row;
    if (row.toggle && !row.busy) row.toggle.checked = info.public;
    if (row.state) row.state.textContent = info.public ? "Public" : "Private";
    row.url.hidden = !info.public;
    row.url.href = info.url;
    row.url.textContent = info.url;
  }

  private counted(): void {
    const n = this.rows.size;
    this.count.replaceChildren(String(n), h("span", { class: "visually-hidden" }, " open"));
    this.count.hidden = n === 0;
    this.list.hidden = n === 0;
    this.empty.hidden = n > 0;
  }

  /** Sends the toggle's state until the server has it (a second click while the first is on its way is sent after it). */
  private async syncPublic(port: number): Promise<void> {
    const row = this.rows.get(port);
    if (!row?.toggle || row.busy) return;
    row.busy = true;
    try {
      while (this.rows.get(port) === row && row.toggle.checked !== row.info.public) {
        const want = row.toggle.checked;
        try {
          row.info = await berth.setPortPublic(this.ctx.projectId, port, want);
          this.ctx.say(want ? `Port ${port} is public: anyone with its URL can open it` : `Port ${port} is private again`);
        } catch (e) {
          toast(describe(e, `make port ${port} ${want ? "public" : "private"}`), "error");
          break;
        }
      }
    } finally {
      row.busy = false;
      this.paint(row);
    }
  }

  /**
   * The preview in a new tab, through a session link made now (it lapses
   * in five minutes, so none is kept). The tab is opened here, at once, in
   * the click itself: opened after the link's round trip, the click no
   * longer counts as the user's and Firefox and Safari block it as a popup
   * (Chromium allows a few seconds; headless chromium under playwright
   * blocks no popups at all, so the test cannot tell). "noopener" would
   * make window.open answer null, leaving nothing to send to the link:
   * the opener is cut by hand instead, before the tab leaves about:blank.
   */
  private open(port: number): void {
    const tab = window.open("about:blank", "_blank");
    if (!tab) return toast(`The browser blocked the new tab for port ${port}. Allow pop-ups for this site, then press Open again.`, "error");
    tab.opener = null;
    try {
      tab.document.title = `Port ${port}`;
      tab.document.body.textContent = `Opening port ${port}…`;
    } catch {}
    berth.previewLink(this.ctx.projectId, port).then(
      ({ url }) => void (tab.closed || (tab.location.href = url)),
      (e) => {
        tab.close();
        toast(describe(e, `open port ${port}`), "error");
      });
  }
}
