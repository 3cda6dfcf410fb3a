import type { FeedEvent } from './wire.js';

/**
 * The per-second sample of feed events: a uniform random sample of at most
 * `capacity` of the events seen since the last `take` (reservoir sampling,
 * Vitter's algorithm R), plus how many were seen in all. So a mass expiry of
 * 100,000 clients costs the gateway O(1) per event (a counter, one random
 * number, at most one slot write) and the browser at most `capacity` rows a
 * second, whatever the traffic shape. Memory: `capacity` events.
 *
 * Events are built lazily: `offer` asks whether a slot is free before the
 * caller allocates the event, so a dropped event allocates nothing.
 */
export class FeedSample {
  private events: FeedEvent[] = [];
  private seen = 0;

  constructor(readonly capacity: number) {}

  /** The slot the next event goes into, or -1 to drop it. Call `put` with the slot when >= 0. */
  offer(): number {
    const n = this.seen++;
    if (n < this.capacity) return n;
    const slot = Math.floor(Math.random() * (n + 1));
    return slot < this.capacity ? slot : -1;
  }

  put(slot: number, event: FeedEvent): void {
    this.events[slot] = event;
  }

  /** The sample (in time order) and the count seen since the previous take; starts a new period. */
  take(): { events: FeedEvent[]; seen: number } {
    const out = { events: this.events.sort((a, b) => a.at - b.at), seen: this.seen };
    this.events = [];
    this.seen = 0;
    return out;
  }
}
