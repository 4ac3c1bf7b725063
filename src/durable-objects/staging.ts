// PUT /stage's lease and the staged data, kept in the image's Durable Object. Staging follows the upload lease pattern: queued → uploading with
// a lease, data under a key per attempt (`staging/<image>/<attempt>` in the default store), the
// lease renewed while the body streams; a stager that stops renewing is undone by the alarm.
import { CLEARED_DATA, nowIso } from "../domain/images/image";
import { InvalidStatusTransition, assertTransition } from "../domain/images/status";
import type { BeginStage, FinishStage, Refusal, StagedData } from "../domain/imports/ports";
import { STAGE_HOST } from "../domain/imports/properties";
import type { ObjectHost } from "./object-host";

/** A staging attempt holds the image (uploading) this long past its last sign of life. */
export const STAGE_TTL_MS = 120_000;

export interface StageLease {
  stageId: string;
  imageId: string;
  store: string;
  key: string;
  renewedAt: number;
  cancelled: boolean;
}

const STAGE = "stage";
const STAGED = "staged";
const refuse = <R extends string>(reason: R, message: string): Refusal<R> => ({ ok: false, reason, message });

export class Staging {
  constructor(private readonly host: ObjectHost) {}

  private get kv(): SyncKvStorage {
    return this.host.kv;
  }

  private repo() {
    return this.host.services.imageState;
  }

  get stage(): StageLease | undefined {
    return this.kv.get<StageLease>(STAGE);
  }

  /** Finished staging data (glance-direct's source), if any. */
  get staged(): StagedData | undefined {
    return this.kv.get<StagedData>(STAGED);
  }

  /** A staging attempt is streaming. */
  get inFlight(): boolean {
    const lease = this.stage;
    return !!lease && !lease.cancelled;
  }

  dropStaged(): void {
    this.kv.delete(STAGED);
  }

  async beginStage(imageId: string, store: string): Promise<BeginStage> {
    const current = this.stage;
    if (current && Date.now() - current.renewedAt <= STAGE_TTL_MS) {
      return refuse("conflict", "Image status transition from uploading to uploading is not allowed");
    }
    if (current) await this.expireStage(current);
    const stageId = crypto.randomUUID();
    const lease: StageLease = { stageId, imageId, store, key: `staging/${imageId}/${stageId}`, renewedAt: Date.now(), cancelled: false };
    // Written before any I/O, so a concurrent begin sees it.
    this.kv.put(STAGE, lease);
    const drop = () => this.stage?.stageId === stageId && this.kv.delete(STAGE);
    try {
      const repo = this.repo();
      const image = await repo.get(imageId);
      if (!image) {
        drop();
        return refuse("not_found", `No image found with ID ${imageId}`);
      }
      try {
        assertTransition(image.status, "uploading", image);
      } catch (e) {
        drop();
        if (e instanceof InvalidStatusTransition) return refuse("conflict", e.message);
        throw e;
      }
      const moved = await repo.change(imageId, { from: ["queued"], to: "uploading", fields: { updatedAt: nowIso() } });
      if (!moved) {
        drop();
        return refuse("conflict", "Image status transition from queued to uploading is not allowed");
      }
      await this.host.clock.armBy(this.due);
      return { ok: true, stageId, key: lease.key, image: moved };
    } catch (e) {
      drop();
      throw e;
    }
  }

  renewStage(stageId: string): "ok" | "cancelled" | "lost" {
    const lease = this.stage;
    if (!lease || lease.stageId !== stageId) return "lost";
    if (lease.cancelled) return "cancelled";
    this.kv.put(STAGE, { ...lease, renewedAt: Date.now() });
    return "ok";
  }

  async finishStage(imageId: string, stageId: string, size: number, stageHost: string | null): Promise<FinishStage> {
    const lease = this.stage;
    if (!lease || lease.stageId !== stageId) return refuse("lost", `The staging of image ${imageId} took too long and was abandoned.`);
    const goneAnswer = refuse("gone", `Image ${imageId} could not be found after staging. The image may have been deleted meanwhile.`);
    if (lease.cancelled) {
      await this.discardStage(lease);
      return goneAnswer;
    }
    const image = await this.repo().change(imageId, {
      from: ["uploading"],
      fields: { size, updatedAt: nowIso() },
      set: stageHost ? { [STAGE_HOST]: stageHost } : {},
    });
    if (!image) {
      await this.discardStage(lease);
      return goneAnswer;
    }
    this.kv.put(STAGED, { store: lease.store, key: lease.key, size } satisfies StagedData);
    this.kv.delete(STAGE);
    return { ok: true, image };
  }

  /** The attempt failed (or its lease expired): its object goes, uploading → queued. */
  async abortStage(stageId: string): Promise<void> {
    const lease = this.stage;
    if (lease?.stageId === stageId) await this.expireStage(lease);
  }

  private async expireStage(lease: StageLease): Promise<void> {
    this.host.orphans.add([{ store: lease.store, key: lease.key }]);
    if (!lease.cancelled) {
      await this.repo().change(lease.imageId, { from: ["uploading"], to: "queued", fields: { ...CLEARED_DATA, updatedAt: nowIso() }, unset: [STAGE_HOST] });
    }
    if (this.stage?.stageId === lease.stageId) this.kv.delete(STAGE);
    await this.host.orphans.reap();
  }

  private async discardStage(lease: StageLease): Promise<void> {
    this.host.orphans.add([{ store: lease.store, key: lease.key }]);
    if (this.stage?.stageId === lease.stageId) this.kv.delete(STAGE);
    await this.host.orphans.reap();
  }

  /** The image was deleted: a streaming attempt is cancelled, staged data goes. */
  onImageDeleted(): void {
    const lease = this.stage;
    if (lease) {
      this.kv.put(STAGE, { ...lease, cancelled: true });
      this.host.orphans.add([{ store: lease.store, key: lease.key }]);
    }
    const staged = this.staged;
    if (staged) {
      this.host.orphans.add([staged]);
      this.kv.delete(STAGED);
    }
  }

  async onAlarm(): Promise<void> {
    const lease = this.stage;
    if (lease && Date.now() - lease.renewedAt > STAGE_TTL_MS) await this.expireStage(lease);
  }

  /** When this module next needs the alarm, or null. */
  get due(): number | null {
    const lease = this.stage;
    return lease ? lease.renewedAt + STAGE_TTL_MS + 1 : null;
  }
}
