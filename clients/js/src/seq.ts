// Tracks which of a project's change seqs this client has been told about,
// to spot missed fs:changed packets (a gap, e.g. while disconnected).
//
// Every change to a project gets the next seq. A client hears of a seq in
// three ways: an fs:changed packet covers firstSeq…seq (a writer's own
// changes are left out of its copy, but the range still covers them), a
// changing request's ack carries its own seq, and an fs:list tells that
// every seq up to its `seq` exists.
//
// They race. The server sends an ack at once but the packets of a 10 ms
// window later, in seq order, one window after the other. So:
// - an ack's seq proves nothing about the seqs below it: their packet may
//   still be in the window. It only fills its own place;
// - a packet proves that every seq up to its `seq` has been sent out: one
//   below it that this client has not heard of was missed — unless it is
//   one of this client's own requests whose ack is still on its way (each
//   request gets at most one seq);
// - a listing proves the same once the window it may overlap has passed
//   (ProjectSocket waits before telling exists()).
//
//     gap ⇔ (seqs up to the highest proven one that nobody told us about) > own requests in flight
//
// A request that fails gives no seq and so, once settled, is no excuse.

export interface Gap {
  /** every seq up to this one was accounted for */
  lastSeq: number;
  /** the highest seq known to have been sent out */
  seq: number;
  /** how many seqs in between nobody told this client about */
  missing: number;
}

export class SeqTracker {
  private lastSeq: number | null = null;
  /** seqs above lastSeq this client was told about */
  private seen = new Set<number>();
  /** the highest seq whose packet has been sent out (packets, settled listings) */
  private highest = 0;
  private inFlight = 0;
  private stale = false;

  constructor(private readonly onGap: (gap: Gap) => void) {}

  /** Every seq up to here is accounted for (null before the first listing). */
  get last(): number | null {
    return this.lastSeq;
  }

  /** True between a reported gap and the next baseline (a reload). */
  get isStale(): boolean {
    return this.stale;
  }

  /** A full listing at `seq`: the client's view is whole up to there. */
  baseline(seq: number): void {
    this.lastSeq = Math.max(seq, this.lastSeq ?? seq);
    this.stale = false;
    this.advance();
    this.check();
  }

  /** Seqs up to `seq` exist (a partial listing's seq): a check, no reset. */
  exists(seq: number): void {
    if (this.lastSeq === null) return this.baseline(seq);
    this.highest = Math.max(this.highest, seq);
    this.check();
  }

  /** An fs:changed packet. */
  changed(firstSeq: number, seq: number): void {
    for (let s = Math.max(firstSeq, (this.lastSeq ?? 0) + 1); s <= seq; s++) this.record(s);
    this.highest = Math.max(this.highest, seq);
    this.advance();
    this.check();
  }

  /** A changing request was sent: its seq may show up in a packet before its ack. */
  begin(): void {
    this.inFlight++;
  }

  /** That request settled, with its seq when it changed something (it fills that place only). */
  end(seq?: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (seq !== undefined) this.record(seq);
    this.advance();
    this.check();
  }

  // Before the first listing seqs are kept too (a packet may overtake the
  // listing's answer), but only a bounded number of them.
  private record(seq: number): void {
    if (this.lastSeq !== null && seq <= this.lastSeq) return;
    if (this.lastSeq === null && this.seen.size >= 10_000) this.seen.clear();
    this.seen.add(seq);
  }

  private advance(): void {
    if (this.lastSeq === null) return;
    for (const s of this.seen) if (s <= this.lastSeq) this.seen.delete(s);
    while (this.seen.delete(this.lastSeq + 1)) this.lastSeq++;
    this.highest = Math.max(this.highest, this.lastSeq);
  }

  private check(): void {
    if (this.lastSeq === null || this.stale) return;
    let heard = 0;
    for (const s of this.seen) if (s <= this.highest) heard++;
    const missing = this.highest - this.lastSeq - heard;
    if (missing > this.inFlight) {
      this.stale = true;
      this.onGap({ lastSeq: this.lastSeq, seq: this.highest, missing });
    }
  }
}
