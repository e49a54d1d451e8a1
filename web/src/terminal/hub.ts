// The project's terminals as TerminalStreams this app creates itself, fed
// from the socket's term:* events. Why not ProjectSocket.attachTerminal: it
// delivers the attach's scrollback as a `data` event before the caller can
// listen to the stream it returns (and openTerminal replays early output the
// same way), so a reload would show an empty screen. Here the listeners are
// on before the first byte, and the replay is told apart from live output
// (only live output counts for term:ack).
import type { ProjectSocket, TermAttach, TermAttached, TermData } from "../../../clients/js/src/index.ts";
import { TerminalStream, type TerminalTransport } from "../../../clients/js/src/terminal.ts";

export type Setup = (stream: TerminalStream) => void;
export type ReplayHook = (replaying: boolean) => void;

export class TerminalHub {
  private readonly streams = new Map<string, TerminalStream>();
  private readonly replayHooks = new Map<string, ReplayHook>();
  private readonly early = new Map<string, TermData[]>();
  private opening = 0;
  private readonly offs: Array<() => void>;

  constructor(private readonly socket: ProjectSocket) {
    this.offs = [
      socket.on("term:data", (m) => {
        const s = this.streams.get(m.id);
        if (s) return s.data(m);
        if (this.opening > 0) this.early.set(m.id, [...(this.early.get(m.id) ?? []), m]);
      }),
      socket.on("term:exit", (m) => this.streams.get(m.id)?.exited(m.code)),
      socket.on("term:detached", (m) => this.streams.get(m.id)?.detached(m.reason)),
      socket.on("connect", ({ reconnect }) => {
        if (reconnect) for (const s of this.streams.values()) if (s.exitCode === null) s.attach().catch(() => {});
      }),
      socket.on("disconnect", () => this.streams.forEach((s) => s.disconnected())),
    ];
  }

  private readonly transport: TerminalTransport = {
    send: (event, payload) => void this.socket.raw.emit(event, payload),
    input: async (id, data) => void (await this.socket.request("term:input", { id, data })),
    resize: async (id, cols, rows) => void (await this.socket.request("term:resize", { id, cols, rows })),
    close: async (id) => void (await this.socket.request("term:close", { id })),
    attach: (request, stream) => this.attachRequest(request, stream),
  };

  /** Opens a terminal; `setup` adds the listeners before its first byte is delivered. */
  async open(request: { cols: number; rows: number; flow: boolean }, setup: Setup, onReplay?: ReplayHook): Promise<TerminalStream> {
    this.opening++;
    try {
      let stream: TerminalStream | undefined;
      await this.socket.request("term:open", request, (r) => {
        stream = this.make(r.id, request.flow, setup, onReplay);
        for (const m of this.early.get(r.id) ?? []) stream.data(m);
        this.early.delete(r.id);
      });
      return stream!;
    } finally {
      if (--this.opening === 0) this.early.clear();
    }
  }

  /** Attaches to a terminal of the project: its scrollback first (a replay), then live output. */
  async attach(id: string, request: Omit<TermAttach, "id">, setup: Setup, onReplay?: ReplayHook): Promise<{ stream: TerminalStream; attached: TermAttached }> {
    const stream = this.streams.get(id) ?? this.make(id, request.flow ?? false, setup, onReplay);
    const attached = await this.attachRequest({ ...request, id }, stream);
    return { stream, attached };
  }

  forget(id: string): void {
    this.streams.delete(id);
    this.replayHooks.delete(id);
  }

  dispose(): void {
    this.offs.forEach((off) => off());
    this.streams.clear();
  }

  private make(id: string, flow: boolean, setup: Setup, onReplay?: ReplayHook): TerminalStream {
    const stream = new TerminalStream(this.transport, id, flow, false);
    this.streams.set(id, stream);
    if (onReplay) this.replayHooks.set(id, onReplay);
    setup(stream);
    return stream;
  }

  private attachRequest(request: TermAttach, stream: TerminalStream): Promise<TermAttached> {
    return this.socket.request("term:attach", request, (r) => {
      const hook = this.replayHooks.get(request.id);
      hook?.(true);
      try {
        stream.attachedWith(r, request.flow ?? false);
      } finally {
        hook?.(false);
      }
    });
  }
}
