// SeqTracker on its own: which orders of acks, packets and listings are a
// gap, and which are only a race between an ack and a packet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeqTracker } from "../dist/index.js";

function tracker() {
  const gaps = [];
  const t = new SeqTracker((g) => gaps.push(g));
  return { t, gaps };
}

test("contiguous packets after a listing are no gap and move the seq on", () => {
  const { t, gaps } = tracker();
  t.baseline(4);
  t.changed(5, 5);
  t.changed(6, 9);
  assert.equal(t.last, 9);
  assert.deepEqual(gaps, []);
});

test("a packet that skips seqs nobody told about is a gap, reported once until a reload", () => {
  const { t, gaps } = tracker();
  t.baseline(4);
  t.changed(7, 8);
  assert.deepEqual(gaps, [{ lastSeq: 4, seq: 8, missing: 2 }]);
  t.changed(9, 9);
  t.changed(12, 12);
  assert.equal(gaps.length, 1, "stale until reloaded");
  assert.equal(t.isStale, true);
  t.baseline(12);
  assert.equal(t.isStale, false);
  t.changed(13, 13);
  assert.equal(t.last, 13);
  assert.equal(gaps.length, 1);
  t.changed(15, 15);
  assert.equal(gaps.length, 2, "a gap after the reload is reported again");
});

test("the writer's packet skips its own seq: the ack that came first fills it", () => {
  const { t, gaps } = tracker();
  t.baseline(0);
  t.begin();
  t.end(1); // our write got seq 1
  t.changed(1, 2); // a window holding our 1 (left out of our copy) and someone's 2
  t.changed(3, 3);
  assert.equal(t.last, 3);
  assert.deepEqual(gaps, []);
});

test("a packet that overtakes the ack of a request in flight waits for that ack", () => {
  const { t, gaps } = tracker();
  t.baseline(10);
  t.begin(); // our write is on its way
  t.changed(12, 12); // someone's change after ours: 11 is ours, its ack not here yet
  assert.deepEqual(gaps, [], "11 may be our own request's");
  assert.equal(t.last, 10);
  t.end(11);
  assert.equal(t.last, 12);
  assert.deepEqual(gaps, []);
});

test("an ack that overtakes the packet of an earlier change is no gap", () => {
  // Someone's change got 11 and waits in the server's 10 ms window; ours got
  // 12 and its ack came at once.
  const { t, gaps } = tracker();
  t.baseline(10);
  t.begin();
  t.end(12);
  assert.deepEqual(gaps, [], "11's packet may still be on its way");
  assert.equal(t.last, 10);
  t.changed(11, 12);
  assert.equal(t.last, 12);
  assert.deepEqual(gaps, []);
  // But a later packet that still skips it is one.
  t.begin();
  t.end(14);
  t.changed(15, 15);
  assert.deepEqual(gaps, [{ lastSeq: 12, seq: 15, missing: 1 }]);
});

test("a request in flight excuses one missing seq, not two", () => {
  const { t, gaps } = tracker();
  t.baseline(10);
  t.begin();
  t.changed(13, 13);
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0].missing, 2);
});

test("a request that fails leaves no excuse once it settles", () => {
  const { t, gaps } = tracker();
  t.baseline(10);
  t.begin();
  t.changed(12, 12);
  assert.deepEqual(gaps, []);
  t.end(); // it failed: no seq, so 11 was someone else's and never came
  assert.deepEqual(gaps, [{ lastSeq: 10, seq: 12, missing: 1 }]);
});

test("a listing's seq above everything heard of is a gap; at or below it is none", () => {
  const { t, gaps } = tracker();
  t.baseline(3);
  t.changed(4, 5);
  t.exists(5);
  assert.deepEqual(gaps, []);
  t.exists(7); // e.g. after a reconnect: 6 and 7 happened while away
  assert.deepEqual(gaps, [{ lastSeq: 5, seq: 7, missing: 2 }]);
});

test("packets of seqs a full listing already covers are no gap and change nothing", () => {
  const { t, gaps } = tracker();
  t.baseline(8);
  t.changed(6, 8);
  t.begin();
  t.end(7);
  assert.equal(t.last, 8);
  t.changed(9, 9);
  assert.equal(t.last, 9);
  assert.deepEqual(gaps, []);
});

test("packets and acks before the first listing are kept for after it", () => {
  const { t, gaps } = tracker();
  t.changed(6, 6); // overtook the listing's answer
  t.baseline(5);
  assert.equal(t.last, 6);
  t.changed(7, 7);
  assert.deepEqual(gaps, []);
});
