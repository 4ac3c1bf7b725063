import type { Services } from "../domain/services";
import type { AlarmClock } from "./alarm-clock";
import type { Orphans } from "./orphans";

/** What the image's Durable Object lends its modules: its storage, its ports, the reaper, the alarm. */
export interface ObjectHost {
  readonly kv: SyncKvStorage;
  readonly services: Services;
  readonly orphans: Orphans;
  readonly clock: AlarmClock;
}
