// One terminal as this socket sees it: its output in order, and flow
// control. With `flow: true` the server counts, per attach, the term:data
// bytes sent to this client, and stops reading the program's output while
// more than 512 KiB of them are unacknowledged (it goes on under 256 KiB).
// A client acknowledges with `term:ack {id, bytes}`, `bytes` the cumulative
// count of term:data bytes it has processed since its attach (the attach's
// scrollback does not count); an attach starts the count over.
import { Emitter } from "./emitter.js";
import type { TermAttach, TermAttached, TermData } from "./events.js";

/** Acknowledge at once once this much was processed, else after ACK_DELAY_MS. */
const ACK_STEP = 64 * 1024;
const ACK_DELAY_MS = 50;

export interface TerminalStreamEvents {
  /** Output, in order; `offset` is the position of its first byte (a jump means bytes were lost from the ring). */
  data: { data: Uint8Array; offset: number };
  exit: { code: number };
  /** The server let this client go (it read too slowly): call attach() to catch up. */
  detached: { reason: "slow" };
}

/** What a stream needs from its socket. */
export interface TerminalTransport {
  send(event: "term:ack", payload: { id: string; bytes: number }): void;
  input(id: string, data: string | Uint8Array | ArrayBuffer): Promise<void>;
  resize(id: string, cols: number, rows: number): Promise<void>;
  close(id: string): Promise<void>;
  attach(request: TermAttach, stream: TerminalStream): Promise<TermAttached>;
}

export class TerminalStream extends Emitter<TerminalStreamEvents> {
  /** null while the program runs */
  exitCode: number | null = null;
  /** false after a disconnect or a term:detached, until the next attach */
  attached = true;
  /** the offset after the last byte handed to `data` listeners */
  private end: number | null = null;
  private receivedBytes = 0;
  private processedBytes = 0;
  private ackedBytes = 0;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * What came before anyone listened to `data`: an open's or an attach's
   * first output arrives before its promise resolves, so it is held and
   * handed over, in order, just after the first `data` listener is added.
   * null once handed over.
   */
  private held: Array<() => void> | null = [];
  /**
   * With autoAck false: the chunks handed to `data` listeners that the app
   * has not yet reported through processed(n), oldest first, each marked
   * live or not. processed(n) walks them in order, so an app may call
   * processed(data.length) for every chunk it got (xterm.js's write
   * callback) and only live output of the current attach counts: a replay
   * (an attach's scrollback) and chunks from before a re-attach take their
   * turn in the order but count nothing, as the server counts nothing for
   * them.
   */
  private unprocessed: Array<{ bytes: number; live: boolean }> = [];
  /** counts attaches: a chunk held across a re-attach is not live for the new one */
  private attaches = 0;

  /**
   * @param flow opened or attached with `flow: true`
   * @param autoAck count bytes as processed once the `data` listeners have
   *   returned; false: the app calls processed(n) itself (e.g. from
   *   xterm.js's write callback), which is what keeps a slow screen from
   *   being flooded
   */
  constructor(
    private readonly transport: TerminalTransport,
    readonly id: string,
    public flow: boolean,
    public autoAck: boolean,
  ) {
    super();
  }

  override on<K extends keyof TerminalStreamEvents>(event: K, listener: (payload: TerminalStreamEvents[K]) => void): () => void {
    const off = super.on(event, listener);
    if (event === "data" && this.held) {
      // After the caller's other listeners (exit …) are on too.
      queueMicrotask(() => {
        const held = this.held ?? [];
        this.held = null;
        for (const handOver of held) handOver();
      });
    }
    return off;
  }

  /** Runs `handOver` now, or once a `data` listener is there. */
  private whenHeard(handOver: () => void): void {
    if (this.held) this.held.push(handOver);
    else handOver();
  }

  input(data: string | Uint8Array | ArrayBuffer): Promise<void> {
    return this.transport.input(this.id, data);
  }

  resize(cols: number, rows: number): Promise<void> {
    return this.transport.resize(this.id, cols, rows);
  }

  /** Ends the terminal's processes and removes it (term:exit follows). */
  close(): Promise<void> {
    return this.transport.close(this.id);
  }

  /** Attaches again (after a detach or a reconnect): output goes on where it left off, without repeats. */
  attach(options: Omit<TermAttach, "id"> = {}): Promise<TermAttached> {
    return this.transport.attach({ flow: this.flow, ...options, id: this.id }, this);
  }

  /**
   * `bytes` more of the delivered output were processed (flow control), in
   * the order it was handed over; replayed bytes among them are skipped
   * (see `unprocessed`).
   */
  processed(bytes: number): void {
    if (this.autoAck) return this.markProcessed(bytes);
    let live = 0;
    while (bytes > 0 && this.unprocessed.length > 0) {
      const chunk = this.unprocessed[0]!;
      const n = Math.min(bytes, chunk.bytes);
      if (chunk.live) live += n;
      chunk.bytes -= n;
      bytes -= n;
      if (chunk.bytes === 0) this.unprocessed.shift();
    }
    this.markProcessed(live);
  }

  private markProcessed(bytes: number): void {
    this.processedBytes = Math.min(this.receivedBytes, this.processedBytes + bytes);
    if (!this.flow || this.processedBytes === this.ackedBytes) return;
    if (this.processedBytes - this.ackedBytes >= ACK_STEP) return this.sendAck();
    this.ackTimer ??= setTimeout(() => this.sendAck(), ACK_DELAY_MS);
  }

  // ---- fed by ProjectSocket --------------------------------------------------------

  /** An attach's answer, handled before any term:data that follows it. */
  attachedWith(result: TermAttached, flow: boolean): void {
    this.flow = flow;
    this.attached = true;
    this.receivedBytes = this.processedBytes = this.ackedBytes = 0;
    // What was handed over before this attach counts nothing for its count.
    for (const chunk of this.unprocessed) chunk.live = false;
    this.attaches++;
    this.clearTimer();
    this.deliver(result.offset, result.scrollback, false);
    if (result.exitCode !== null) this.exitCode = result.exitCode;
  }

  data(message: TermData): void {
    this.receivedBytes += message.data.length;
    this.deliver(message.offset, message.data, true);
  }

  exited(code: number): void {
    this.exitCode = code;
    this.clearTimer();
    this.whenHeard(() => this.emit("exit", { code }));
  }

  detached(reason: "slow"): void {
    this.attached = false;
    this.clearTimer();
    this.whenHeard(() => this.emit("detached", { reason }));
  }

  disconnected(): void {
    this.attached = false;
    this.clearTimer();
  }

  // Bytes before `end` were delivered already (a re-attach's replay
  // overlaps what came live): only the rest goes to the listeners.
  private deliver(offset: number, bytes: Uint8Array, live: boolean): void {
    const skip = this.end === null ? 0 : Math.min(bytes.length, Math.max(0, this.end - offset));
    const fresh = skip > 0 ? bytes.subarray(skip) : bytes;
    // `end` moves now (what the next packet repeats is judged by it); the
    // listeners get the bytes now or, before any is there, once one is.
    if (fresh.length > 0) this.end = offset + bytes.length;
    if (live && skip > 0) this.markProcessed(skip);  // repeats were never shown to the app: processed already
    if (fresh.length === 0) return;
    const attach = this.attaches;
    this.whenHeard(() => {
      // Queued before the listeners run: they may call processed() at once.
      if (!this.autoAck) this.unprocessed.push({ bytes: fresh.length, live: live && attach === this.attaches });
      this.emit("data", { data: fresh, offset: offset + skip });
      if (live && this.autoAck && attach === this.attaches) this.markProcessed(fresh.length);
    });
  }

  private sendAck(): void {
    this.clearTimer();
    if (!this.attached || this.processedBytes === this.ackedBytes) return;
    this.ackedBytes = this.processedBytes;
    this.transport.send("term:ack", { id: this.id, bytes: this.ackedBytes });
  }

  private clearTimer(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }
}
