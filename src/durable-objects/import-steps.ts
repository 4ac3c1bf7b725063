// The steps of a running import, each under the lock (src/durable-objects/import-lock.ts): the
// queue consumer (src/domain/imports/run.ts) calls them in order, and the record keeps what is
// done, so a redelivered message resumes where the last delivery stopped and never writes a
// location twice. The changes themselves are src/domain/imports/lock-rules.ts.
import type { Image } from "../domain/images/image";
import { nowIso } from "../domain/images/image";
import { metadataBackup, startChange, storeFailedChange, storeWrittenChange } from "../domain/imports/lock-rules";
import type { ImportMetadata, ImportState, ImportStep } from "../domain/imports/ports";
import type { WrittenData } from "../domain/ports";
import { type ImportLock, gone, refuse, stateOf } from "./import-lock";
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

  async beginWrite(imageId: string, taskId: string, store: string): Promise<ImportStep<{ key: string }>> {
    const held = this.lock.holder(imageId, taskId);
    if ("ok" in held) return held;
    const previous = held.writing[store];
    if (previous) this.host.orphans.add([{ store, key: previous }]);
    const key = this.objectKey(imageId, crypto.randomUUID());
    this.lock.renewed({ ...held, writing: { ...held.writing, [store]: key } });
    await this.host.orphans.reap();
    return { ok: true, key };
  }

  async storeWritten(imageId: string, taskId: string, store: string, key: string, data: WrittenData & { virtualSize: number | null }, activate: boolean) {
    const held = this.lock.holder(imageId, taskId);
    if ("ok" in held || held.writing[store] !== key) {
      // Lost, gone, or a later delivery of the same message started this store again (its write
      // counts, ours goes): either way this object must not survive.
      this.host.orphans.add([{ store, key }]);
      await this.host.orphans.reap();
      return "ok" in held ? held : refuse("superseded", `Another attempt of import task ${taskId} is writing store ${store}.`);
    }
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
    const writing = { ...r.writing };
    delete writing[store];
    this.lock.renewed({ ...r, writing, done: { ...r.done, [store]: winner } });
    await this.host.orphans.reap();
    return { ok: true as const, image: changed, activated: change.to === "active", key: winner };
  }

  async storeFailed(imageId: string, taskId: string, store: string): Promise<ImportStep<{ image: Image }>> {
    const held = this.lock.holder(imageId, taskId);
    if ("ok" in held) return held;
    const writing = { ...held.writing };
    if (writing[store]) this.host.orphans.add([{ store, key: writing[store] }]);
    delete writing[store];
    this.lock.renewed({ ...held, writing, failed: [...new Set([...held.failed, store])] });
    const image = await this.repo.get(imageId);
    if (!image) return gone(imageId);
    const changed = await this.repo.change(imageId, storeFailedChange(image, store));
    await this.host.orphans.reap();
    return changed ? { ok: true, image: changed } : refuse("conflict", `Image ${imageId} changed while store ${store} failed.`);
  }
}
