/**
 * How late this process's timers currently run: a 50 ms ticker records its own drift. The scale
 * worker joins members only while this stays low, so the join storm cannot starve lease renewals
 * (which are timers in the same event loop) and turn into a storm of expiring, rejoining members.
 */
export class EventLoopLag {
  private lagMs = 0;
  private expected = performance.now() + 50;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      // Decays, so one slow tick does not hold joins back for long.
      this.lagMs = Math.max(now - this.expected, this.lagMs * 0.5);
      this.expected = now + 50;
    }, 50);
    this.timer.unref();
  }

  get current(): number {
    return this.lagMs;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
