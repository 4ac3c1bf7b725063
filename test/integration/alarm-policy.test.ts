import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AlarmClock } from "../../src/durable-objects/alarm-clock";
import { LEASE_TTL_MS, type ImageObject, type Lease } from "../../src/durable-objects/image-object";
import { createImage } from "../helpers/api";

const stub = (id: string) => env.IMAGE_DO.getByName(id);
const alarmOf = (id: string) => runInDurableObject(stub(id), (_o: ImageObject, state) => state.storage.getAlarm());

describe("one alarm policy: the earliest pending deadline wins", () => {
  it("arming later never postpones an earlier alarm; arming earlier brings it forward; rearm takes the earliest", async () => {
    await runInDurableObject(stub(crypto.randomUUID()), async (_o: ImageObject, state) => {
      const clock = new AlarmClock(state.storage);
      const t = Date.now() + 3_600_000;
      await clock.armBy(t);
      await clock.armBy(t + 1000);
      expect(await state.storage.getAlarm()).toBe(t);
      await clock.armBy(t - 1000);
      expect(await state.storage.getAlarm()).toBe(t - 1000);
      await clock.armBy(null);
      expect(await state.storage.getAlarm()).toBe(t - 1000);
      await clock.rearm([null, t + 5000, t + 3000]);
      expect(await state.storage.getAlarm()).toBe(t + 3000);
      await clock.rearm([null]);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("renewing an upload lease does not push back an earlier deadline of the object", async () => {
    const img = await createImage();
    const begun = await stub(img.id).beginUpload(img.id, "store1");
    if (!begun.ok) throw new Error(begun.message);
    const leaseAlarm = await alarmOf(img.id);
    expect(leaseAlarm).toBeGreaterThan(Date.now() + LEASE_TTL_MS - 10_000);
    // Another module's deadline, earlier than the lease's (e.g. an orphan retry in 30 s).
    const earlier = Date.now() + 30_000;
    await runInDurableObject(stub(img.id), (_o: ImageObject, state) => state.storage.setAlarm(earlier));
    expect(await stub(img.id).renewUpload(img.id, begun.uploadId)).toBe("ok");
    expect(await alarmOf(img.id)).toBe(earlier);
    // When that alarm runs, the next one is the lease's own deadline (not dropped, not earlier).
    expect(await runDurableObjectAlarm(stub(img.id))).toBe(true);
    const lease = await runInDurableObject(stub(img.id), (_o: ImageObject, state) => state.storage.kv.get<Lease>("lease")!);
    expect(await alarmOf(img.id)).toBe(lease.renewedAt + LEASE_TTL_MS + 1);
    await stub(img.id).abortUpload(img.id, begun.uploadId);
  });
});
