// One alarm policy for the image's Durable Object: every module (upload lease, staging, import
// lock, upload session, orphan reaper) has its own deadlines, the object has one alarm, and the
// earliest pending deadline always wins. Arming never postpones an alarm already set earlier;
// after the alarm ran, it is set again to the earliest deadline still pending (or cleared).

export class AlarmClock {
  constructor(private readonly storage: DurableObjectStorage) {}

  /** The alarm fires no later than `at` (an earlier alarm stays as it is); null: nothing to wait for. */
  async armBy(at: number | null): Promise<void> {
    if (at === null) return;
    const current = await this.storage.getAlarm();
    if (current === null || at < current) await this.storage.setAlarm(at);
  }

  /** From the alarm handler: the next alarm is the earliest of `deadlines` (none: no alarm). */
  async rearm(deadlines: (number | null)[]): Promise<void> {
    const pending = deadlines.filter((t): t is number => t !== null);
    if (pending.length === 0) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(Math.min(...pending));
  }
}
