import type { Image } from "../domain/images/image";
import type {
  BeginStage,
  FinishStage,
  ImportCoordinator,
  ImportJob,
  ImportMetadata,
  ImportOutcome,
  ImportPlan,
  ImportState,
  ImportStep,
  Refusal,
} from "../domain/imports/coordinator";
import type { WrittenData } from "../domain/ports";
import type { ImportMessage } from "../queues/messages";
import type { ImageObject } from "./image-object";

/** ImportCoordinator port over the per-image Durable Object (RPC; logic in import-lock.ts). */
export class DurableObjectImportCoordinator implements ImportCoordinator {
  constructor(
    private readonly ns: DurableObjectNamespace<ImageObject>,
    private readonly queue: Queue,
  ) {}

  private stub(id: string) {
    return this.ns.getByName(id);
  }

  beginStage(id: string, store: string): Promise<BeginStage> {
    return this.stub(id).beginStage(id, store) as Promise<BeginStage>;
  }

  renewStage(id: string, stageId: string): Promise<"ok" | "cancelled" | "lost"> {
    return this.stub(id).renewStage(id, stageId);
  }

  finishStage(id: string, stageId: string, size: number, stageHost: string | null): Promise<FinishStage> {
    return this.stub(id).finishStage(id, stageId, size, stageHost) as Promise<FinishStage>;
  }

  abortStage(id: string, stageId: string): Promise<void> {
    return this.stub(id).abortStage(id, stageId);
  }

  lockHolder(id: string): Promise<string | null> {
    return this.stub(id).importLockHolder(id);
  }

  acquire(id: string, plan: ImportPlan): Promise<ImportStep<{ image: Image }>> {
    return this.stub(id).acquireImport(id, plan) as Promise<ImportStep<{ image: Image }>>;
  }

  async dispatch(job: ImportJob): Promise<void> {
    const msg: ImportMessage = { type: "image_import", task_id: job.taskId, image_id: job.imageId, auth_token: job.authToken, request_id: job.requestId, roles: job.roles };
    await this.queue.send(msg, { contentType: "json" });
  }

  start(id: string, taskId: string): Promise<ImportStep<{ image: Image; state: ImportState; fresh: boolean }>> {
    return this.stub(id).startImport(id, taskId) as Promise<ImportStep<{ image: Image; state: ImportState; fresh: boolean }>>;
  }

  renew(id: string, taskId: string): Promise<"ok" | "lost" | "gone"> {
    return this.stub(id).renewImport(id, taskId);
  }

  applyMetadata(id: string, taskId: string, metadata: ImportMetadata): Promise<ImportStep<{ image: Image }>> {
    return this.stub(id).applyImportMetadata(id, taskId, metadata) as Promise<ImportStep<{ image: Image }>>;
  }

  beginWrite(id: string, taskId: string, store: string): Promise<ImportStep<{ key: string }>> {
    return this.stub(id).beginImportWrite(id, taskId, store) as Promise<ImportStep<{ key: string }>>;
  }

  storeWritten(id: string, taskId: string, store: string, key: string, data: WrittenData & { virtualSize: number | null }, activate: boolean): Promise<ImportStep<{ image: Image; activated: boolean; key: string }>> {
    return this.stub(id).importStoreWritten(id, taskId, store, key, data, activate) as Promise<ImportStep<{ image: Image; activated: boolean; key: string }>>;
  }

  storeFailed(id: string, taskId: string, store: string): Promise<ImportStep<{ image: Image }>> {
    return this.stub(id).importStoreFailed(id, taskId, store) as Promise<ImportStep<{ image: Image }>>;
  }

  finish(id: string, taskId: string, outcome: ImportOutcome): Promise<void> {
    return this.stub(id).finishImport(id, taskId, outcome);
  }

  removeStore(id: string, store: string): Promise<{ ok: true; image: Image } | Refusal<"not_found" | "conflict" | "forbidden">> {
    return this.stub(id).removeStore(id, store) as Promise<{ ok: true; image: Image } | Refusal<"not_found" | "conflict" | "forbidden">>;
  }
}
