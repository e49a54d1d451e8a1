// One terminal: an xterm.js screen bound to a TerminalStream. Output is
// written as it comes and acknowledged from xterm's write callback (flow
// control: a slow screen holds the program back instead of being flooded);
// the screen fits its box and sends term:resize; viewers cannot type.
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
  ended = false;

  stream!: TerminalStream;
  label = "";

  constructor(private readonly readOnly: boolean, private readonly onExit: (code: number) => void) {
    this.el = h("div", { class: "terminal-host", role: "tabpanel" });
    this.xterm = new Terminal({
      cursorBlink: !readOnly, disableStdin: readOnly, fontSize: 13, scrollback: 5000, convertEol: false,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      theme: { background: "#1b1b1f", foreground: "#e6e6e6" },
    });
    this.xterm.loadAddon(this.fit);
    if (!readOnly) this.xterm.onData((keys) => void this.stream?.input(keys).catch(() => {}));
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
    stream.on("exit", ({ code }) => {
      this.ended = true;
      this.xterm.write(`\r\n\x1b[2m[the program ended with code ${code}]\x1b[0m\r\n`);
      this.onExit(code);
    });
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
