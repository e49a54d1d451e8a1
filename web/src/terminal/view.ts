// One terminal: an xterm.js screen bound to a TerminalStream. Output is
// written as it comes and acknowledged from xterm's write callback (flow
// control: a slow screen holds the program back instead of being flooded);
// the screen fits its box and sends term:resize; viewers cannot type. While
// the connection is down, and once the session has ended (the program
// exited, or the server no longer has the terminal: a restart ends them),
// it takes no input and says so over the screen.
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import type { TerminalStream } from "../../../clients/js/src/index.ts";
import { h } from "../dom.ts";

export class TerminalView {
  readonly el: HTMLElement;
  readonly xterm: Terminal;
  private readonly fit = new FitAddon();
  private readonly observer: ResizeObserver;
  private resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private sent = { cols: 0, rows: 0 };
  /** what is said over the screen (disconnected, ended), with a way on */
  private readonly note = h("div", { class: "terminal-note", role: "status", hidden: true });
  ended = false;
  /** the end was said (once: an attach to an ended terminal sets `ended` before its term:exit) */
  private said = false;
  /** the connection is down: input waits for nothing, so none is taken */
  offline = false;

  stream!: TerminalStream;
  label = "";

  /**
   * @param onEnded the session ended (the tab says so)
   * @param openNew opens a fresh terminal (null for viewers)
   */
  constructor(private readonly readOnly: boolean, private readonly onEnded: () => void, private readonly openNew: (() => void) | null) {
    this.el = h("div", { class: "terminal-host", role: "tabpanel" }, this.note);
    this.xterm = new Terminal({
      cursorBlink: !readOnly, disableStdin: readOnly, fontSize: 13, scrollback: 5000, convertEol: false,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      theme: { background: "#1b1b1f", foreground: "#e6e6e6" },
    });
    this.xterm.loadAddon(this.fit);
    if (!readOnly) this.xterm.onData((keys) => void (this.takesInput && this.stream?.input(keys).catch(() => {})));
    this.observer = new ResizeObserver(() => this.scheduleFit());
  }

  /**
   * Listens to the stream. What came before (an open's first output, an
   * attach's scrollback) the stream holds and hands over just after this;
   * processed() tells the scrollback apart from live output by itself.
   */
  bind(stream: TerminalStream, label: string): void {
    this.stream = stream;
    this.label = label;
    this.el.id = `term-panel-${stream.id}`;
    this.el.setAttribute("aria-labelledby", `term-tab-${stream.id}`);
    this.xterm.textarea?.setAttribute("aria-label", `Terminal ${label} input`);
    stream.on("data", ({ data }) => this.xterm.write(data, () => stream.processed(data.length)));
    stream.on("exit", ({ code }) => this.end(`the program ended with code ${code}`, `The program ended with code ${code}.`));
    stream.on("detached", () => void stream.attach().catch(() => {}));
  }

  /** Puts the screen into the page (once its box exists). */
  mount(container: HTMLElement): void {
    container.append(this.el);
    this.xterm.open(this.el);
    this.xterm.textarea?.setAttribute("aria-label", `Terminal ${this.label} input`.replace("  ", " "));
    this.observer.observe(this.el);
    this.scheduleFit();
  }

  /** The connection dropped (true) or is back with this terminal still on the server (false). */
  setOffline(yes: boolean): void {
    if (this.ended || this.offline === yes) return;
    this.offline = yes;
    this.xterm.options.disableStdin = this.readOnly || yes;
    this.say(!yes ? null : this.readOnly ? "Disconnected: reconnecting…" : "Disconnected: reconnecting… This terminal takes no input until the connection is back.");
  }

  /**
   * The server no longer has this terminal (it was not listed after a
   * reconnect): a restart of the server ends every terminal (their shells
   * are ended with the old process), and so does a stop of the project.
   */
  gone(): void {
    this.end("session ended: the server restarted or the project stopped",
      "Session ended: this terminal is no longer on the server (the server restarted, or the project stopped).");
  }

  private end(line: string, words: string): void {
    if (this.said) return;
    this.said = this.ended = true;
    this.offline = false;
    this.xterm.options.disableStdin = true;
    this.xterm.options.cursorBlink = false;
    // Grey (#b3b3b3), not SGR 2: dim text falls under 4.5:1 contrast on this background.
    this.xterm.write(`\r\n\x1b[38;2;179;179;179m[${line}]\x1b[0m\r\n`);
    this.say(words, true);
    this.onEnded();
  }

  private get takesInput(): boolean {
    return !this.ended && !this.offline;
  }

  private say(words: string | null, offerNew = false): void {
    this.note.hidden = words === null;
    this.note.replaceChildren();
    if (words === null) return;
    this.note.append(h("span", null, words));
    if (offerNew && this.openNew) this.note.append(h("button", { type: "button", class: "small", onclick: () => this.openNew?.() }, "Open a new terminal"));
  }

  get size(): { cols: number; rows: number } {
    const d = this.fit.proposeDimensions();
    return { cols: Math.max(2, d?.cols ?? 80), rows: Math.max(1, d?.rows ?? 24) };
  }

  focus(): void {
    this.xterm.focus();
  }

  private scheduleFit(): void {
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => this.doFit(), 60);
  }

  private doFit(): void {
    if (!this.el.isConnected || this.el.offsetParent === null) return; // hidden: fit when shown
    this.fit.fit();
    const { cols, rows } = this.xterm;
    if (!this.stream || this.readOnly || this.ended || (cols === this.sent.cols && rows === this.sent.rows)) return;
    this.sent = { cols, rows };
    this.stream.resize(cols, rows).catch(() => {});
  }

  refit(): void {
    this.scheduleFit();
  }

  dispose(): void {
    this.observer.disconnect();
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.xterm.dispose();
  }
}
