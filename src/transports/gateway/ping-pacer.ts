import type { Clock } from '../../monitor/clock.js';
import type { ClientEntry } from './connection.js';

/**
 * A jitter window is cut into at most this many slots: each client lands
 * in one at random, so a cohort leaves in at least this many batches
 * (when the slot width is not capped by the tick).
 */
const SLOTS_PER_WINDOW = 8;

/**
 * The pings waiting for one slot, as parallel arrays (no object per ping):
 * the client, and its last activity when the ping fell due (any later
 * activity cancels the ping).
 */
interface Slot {
  readonly entries: ClientEntry[];
  readonly lastSeen: number[];
}

/**
 * Spreads pings: a client due a ping is pinged a random delay in
 * [0, min(jitterMs, ping_interval_ms / 10)) after it fell due (at once if
 * the monitor handed it out later than that). Clients registered in the
 * same instant fall due in the same instant, and without jitter 100,000 of
 * them would be pinged in the same millisecond (and answer together, and
 * be pinged together again, forever). One random delay at each silence
 * breaks the cohort up for good; the cap at a tenth of the interval keeps
 * the ping well ahead of the timeout.
 *
 * Pending pings wait in slots keyed by their start time (ms on the clock).
 * A slot is window / SLOTS_PER_WINDOW wide, at most `tickMs`: the
 * monitor's ping tick, on whose multiples the monitor itself wakes for
 * pings. So with the default window (400 ms for a 4 s interval) every slot
 * starts on that grid, and one wake-up every tick serves the monitor's new
 * pings and the pacer's due slot together. (Slots of 16 ms cost the idle
 * gateway 62 wake-ups a second beside the monitor's 20, and a third more
 * CPU at 15,000 quiet connections.) A slot that has already begun when a
 * ping falls due is sent at once. One timer, armed for the earliest slot,
 * runs only while pings are pending.
 */
export class PingPacer {
  /** Slot start (ms) -> its pings. A handful of keys per distinct window in use. */
  private readonly slots = new Map<number, Slot>();
  /** The earliest pending slot's start; Infinity when none. */
  private earliest = Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** The slot start the timer is armed for. */
  private timerAt = Infinity;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly jitterMs: number,
    /** The widest slot, ms: the monitor's ping tick (see server.ts), so that both wake together. */
    private readonly tickMs: number,
    /** Sends a batch of pings (one slot's, or the ones due now). */
    private readonly send: (entries: readonly ClientEntry[]) => void,
  ) {}

  /** Clients due a ping now: sent at once (no jitter window, or their slot has begun) or put in their slot. */
  schedule(entries: readonly ClientEntry[]): void {
    const now = this.clock.now();
    const immediate: ClientEntry[] = [];
    for (const entry of entries) {
      const windowMs = Math.min(this.jitterMs, Math.floor(entry.pingIntervalMs / 10));
      // The delay counts from when the ping fell due, not from now: a ping handed out late
      // (a stalled loop) has waited already and goes at once, instead of adding its jitter
      // to the lateness and waiting for one more timer (one more stall) on top.
      const dueAt = entry.lastSeen + entry.pingIntervalMs;
      const start = windowMs < 1 ? now : this.slotStart(dueAt + Math.random() * windowMs, windowMs);
      if (start <= now) immediate.push(entry);
      else this.delay(entry, start);
    }
    if (immediate.length > 0) this.send(immediate);
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.slots.clear();
    this.earliest = Infinity;
  }

  private slotStart(at: number, windowMs: number): number {
    const width = Math.max(1, Math.min(this.tickMs, Math.floor(windowMs / SLOTS_PER_WINDOW)));
    return Math.floor(at / width) * width;
  }

  private delay(entry: ClientEntry, start: number): void {
    let slot = this.slots.get(start);
    if (slot === undefined) this.slots.set(start, (slot = { entries: [], lastSeen: [] }));
    slot.entries.push(entry);
    slot.lastSeen.push(entry.lastSeen);
    if (start < this.earliest) this.earliest = start;
  }

  /** One timer at the earliest slot; re-armed only when that changed. */
  private arm(): void {
    if (this.stopped || this.earliest === Infinity) return;
    if (this.timer !== undefined && this.timerAt === this.earliest) return;
    clearTimeout(this.timer);
    this.timerAt = this.earliest;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, this.earliest - this.clock.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.stopped) return;
    const now = this.clock.now();
    const due: ClientEntry[] = [];
    let earliest = Infinity;
    for (const [start, slot] of this.slots) {
      if (start > now) {
        earliest = Math.min(earliest, start);
        continue;
      }
      this.slots.delete(start);
      for (let i = 0; i < slot.entries.length; i++) {
        const entry = slot.entries[i];
        // Still this client's life, on a live connection, and still silent.
        if (entry.lastSeen === slot.lastSeen[i] && !entry.conn.closed && entry.conn.client(entry.clientId) === entry) due.push(entry);
      }
    }
    this.earliest = earliest;
    if (due.length > 0) this.send(due);
    this.arm();
  }
}
