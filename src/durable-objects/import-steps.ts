// The steps of a running import, each under the lock (src/durable-objects/import-lock.ts): the
// queue consumer (src/domain/imports/run.ts) calls them in order, and the record keeps what is
// done, so a redelivered message resumes where the last delivery stopped and never writes a
// location twice. Each store's copy is claimed by one delivery at a time (two deliveries of the
// message may run at once). The changes themselves are src/domain/imports/lock-rules.ts.
import type { Image } from "../domain/images/image";
import { nowIso } from "../domain/images/image";
import { metadataBackup, startChange, storeFailedChange, storeWrittenChange } from "../domain/imports/lock-rules";
import type { ImportMetadata, ImportState, ImportStep, Refusal } from "../domain/imports/ports";
import type { WrittenData } from "../domain/ports";
import { type ImportLock, type ImportRecord, gone, refuse, stateOf } from "./import-lock";
import type { ObjectHost } from "./object-host";

export class ImportSteps {
  constructor(
    private readonly host: ObjectHost,
    private readonly lock: ImportLock,
    private readonly objectKey: (imageId: string, attempt: string) => string,
  ) {}

  private get repo() {
    return this.host.services.imageState;
  }

  async start(imageId: string, taskId: string): Promise<ImportStep<{ image: Image; state: ImportState; fresh: boolean }>> {
    const held = this.lock.holder(imageId, taskId);
    if ("ok" in held) return held;
    let image = await this.repo.get(imageId);
    if (!image) return gone(imageId);
    // Read again after D1 answered: a redelivery of the same message running at the same time (the
    // object's input gate opens while D1 answers) may have started the import meanwhile.
    const now = this.lock.holder(imageId, taskId);
    if ("ok" in now) return now;
    let fresh = false;
    if (!now.started) {
      // Claimed before the D1 write, for the same reason: the other delivery then carries on with
      // the started import instead of finding the image already moved and failing the import.
      this.lock.save({ ...now, started: true });
      const changed = await this.repo.change(imageId, startChange(image, now.method, now.stores));
      if (!changed) {
        const r = this.lock.record;
        if (r?.taskId === taskId) this.lock.save({ ...r, started: false });
        if (!(await this.repo.get(imageId))) return gone(imageId);
        return refuse("conflict", `Image ${imageId} is no longer in the status this import needs (${image.status}).`);
      }
      image = changed;
      fresh = true;
    }
    const r = this.lock.renewed({ ...this.lock.record!, started: true });
    return { ok: true, image, state: stateOf(r), fresh };
  }

  async applyMetadata(imageId: string, taskId: string, m: ImportMetadata): Promise<ImportStep<{ image: Image }>> {
    const held = this.lock.holder(imageId, taskId);
    if ("ok" in held) return held;
    const image = await this.repo.get(imageId);
    if (!image) return gone(imageId);
    if (held.metadataApplied) return { ok: true, image };
    // Saved first: a retry after a crash must still know the values to restore.
    this.lock.save({ ...held, previous: held.previous ?? metadataBackup(image, m) });
    const changed = await this.repo.change(imageId, {
      from: [image.status],
      fields: { diskFormat: m.diskFormat, containerFormat: m.containerFormat, updatedAt: nowIso() },
      set: m.properties,
    });
    if (!changed) return refuse("conflict", `Image ${imageId} changed while its metadata was imported.`);
    this.lock.renewed({ ...this.lock.record!, metadataApplied: true });
    return { ok: true, image: changed };
  }

  /**
   * Hands the copy of `store` to one delivery of the message at a time (Queues deliver at least
   * once, sometimes twice at the same time). Another delivery's live claim: "busy" (the lock is
   * kept; ask again). The store done or failed meanwhile: "superseded" (a live delivery got there
   * first and carries on). A claim whose delivery stopped renewing for the lock's lease is taken
   * over: its object goes, unless its location was written before it died (then the store is done).
   */
  async beginWrite(imageId: string, taskId: string, store: string, delivery: string): Promise<ImportStep<{ key: string; done: boolean }> | Refusal<"busy">> {
    const held = this.lock.holder(imageId, taskId);
    if ("ok" in held) return held;
    if (held.done[store] || held.failed.includes(store)) {
      return refuse("superseded", `Another delivery of import task ${taskId} has ${held.done[store] ? "written" : "failed"} store ${store}.`);
    }
    const claim = held.claims?.[store];
    if (claim && claim.delivery !== delivery && this.lock.live(claim)) {
      this.lock.renewed(held);
      return refuse("busy", `Another delivery of import task ${taskId} is writing store ${store}.`);
    }
    const previous = held.writing[store];
    const key = this.objectKey(imageId, crypto.randomUUID());
    this.lock.renewed({ ...held, writing: { ...held.writing, [store]: key }, claims: { ...held.claims, [store]: { delivery, renewedAt: Date.now() } } });
    if (previous && claim?.delivery !== delivery && (await this.repo.locationKey(imageId, store)) === previous) {
      // The dead delivery recorded its location and died before this record said so.
      const now = this.lock.holder(imageId, taskId);
      if ("ok" in now) return now;
      if (now.writing[store] !== key) return refuse("superseded", `Another delivery of import task ${taskId} took store ${store} over.`);
      this.lock.renewed({ ...released(now, store), done: { ...now.done, [store]: previous } });
      return { ok: true, key: previous, done: true };
    }
    if (previous) this.host.orphans.add([{ store, key: previous }]);
    await this.host.orphans.reap();
    return { ok: true, key, done: false };
  }

  async storeWritten(imageId: string, taskId: string, store: string, key: string, data: WrittenData & { virtualSize: number | null }, activate: boolean) {
    const held = this.lock.holder(imageId, taskId);
    if ("ok" in held || held.writing[store] !== key) {
      // Lost, gone, or another delivery took this store over after our claim lapsed (its write
      // counts, ours goes): either way this object must not survive.
      this.host.orphans.add([{ store, key }]);
      await this.host.orphans.reap();
      return "ok" in held ? held : refuse("superseded", `Another attempt of import task ${taskId} is writing store ${store}.`);
    }
    this.touch(held, store);
    const image = await this.repo.get(imageId);
    if (!image) return gone(imageId);
    const change = storeWrittenChange(image, store, key, data, activate, this.host.services.settings.hashingAlgorithm);
    if ("ok" in change) return change;
    const changed = await this.repo.change(imageId, change);
    if (!changed) return (await this.repo.get(imageId)) ? refuse("conflict", `Image ${imageId} changed while store ${store} was written.`) : gone(imageId);
    // Written once: when the store already had an active location (a redelivered step), ours goes.
    const winner = (await this.repo.locationKey(imageId, store)) ?? key;
    if (winner !== key) this.host.orphans.add([{ store, key }]);
    const r = this.lock.record!;
    this.lock.renewed({ ...(r.writing[store] === key ? released(r, store) : r), done: { ...r.done, [store]: winner } });
    await this.host.orphans.reap();
    return { ok: true as const, image: changed, activated: change.to === "active", key: winner };
  }

  async storeFailed(imageId: string, taskId: string, store: string, key: string): Promise<ImportStep<{ image: Image }>> {
    const held = this.lock.holder(imageId, taskId);
    if ("ok" in held) return held;
    if (held.writing[store] !== key) {
      this.host.orphans.add([{ store, key }]);
      await this.host.orphans.reap();
      return refuse("superseded", `Another attempt of import task ${taskId} is writing store ${store}.`);
    }
    this.host.orphans.add([{ store, key }]);
    this.lock.renewed({ ...released(held, store), failed: [...new Set([...held.failed, store])] });
    const image = await this.repo.get(imageId);
    if (!image) return gone(imageId);
    const changed = await this.repo.change(imageId, storeFailedChange(image, store));
    await this.host.orphans.reap();
    return changed ? { ok: true, image: changed } : refuse("conflict", `Image ${imageId} changed while store ${store} failed.`);
  }

  /** A sign of life from the delivery holding `store`'s claim. */
  private touch(r: ImportRecord, store: string): void {
    const claim = r.claims?.[store];
    this.lock.renewed(claim ? { ...r, claims: { ...r.claims, [store]: { ...claim, renewedAt: Date.now() } } } : r);
  }
}

/** The record without `store`'s write in flight and its claim. */
function released(r: ImportRecord, store: string): ImportRecord {
  const writing = { ...r.writing };
  const claims = { ...r.claims };
  delete writing[store];
  delete claims[store];
  return { ...r, writing, claims };
}
