// The domain's per-image ports over the image's Durable Object (RPC to the object named by the
// image id): ImageCoordinator (status, uploads, delete), ImportCoordinator (staging, the import
// lock and steps) and UploadSessionCoordinator. RPC results are the objects' plain answers.
import type { Inspection } from "../domain/images/formats/inspector";
import type { Image, ImageStatus } from "../domain/images/image";
import type { ImportCoordinator, ImportMetadata, ImportOutcome, ImportPlan } from "../domain/imports/ports";
import type {
  ImageCoordinator,
  NewUploadSession,
  UploadSessionCoordinator,
  UploadSessionPart,
  UploadedData,
  WrittenData,
} from "../domain/ports";
import type { ImageObject } from "./image-object";

// A stub's methods answer Rpc.Result<T>; the ports promise the plain T the object returns.
type Answer<K extends keyof ImageObject> = ImageObject[K] extends (...a: never[]) => infer R ? Promise<Awaited<R>> : never;
const as = <K extends keyof ImageObject>(p: unknown) => p as Answer<K>;

export class ImageObjectCoordinator<T extends ImageObject = ImageObject> implements ImageCoordinator {
  constructor(private readonly ns: DurableObjectNamespace<T>) {}
  private stub = (id: string) => this.ns.getByName(id) as unknown as DurableObjectStub<ImageObject>;

  transition(id: string, from: readonly ImageStatus[], to: ImageStatus, fields?: Partial<Image>) {
    return as<"transition">(this.stub(id).transition(id, [...from], to, fields));
  }
  deleteImage(id: string, delayed: boolean) {
    return as<"deleteImage">(this.stub(id).deleteImage(id, delayed));
  }
  scrub(id: string) {
    return this.stub(id).scrub(id);
  }
  beginUpload(id: string, store: string) {
    return as<"beginUpload">(this.stub(id).beginUpload(id, store));
  }
  renewUpload(id: string, uploadId: string) {
    return this.stub(id).renewUpload(id, uploadId);
  }
  finishUpload(id: string, uploadId: string, data: UploadedData) {
    return as<"finishUpload">(this.stub(id).finishUpload(id, uploadId, data));
  }
  abortUpload(id: string, uploadId: string) {
    return this.stub(id).abortUpload(id, uploadId);
  }
}

export class ImageObjectImports<T extends ImageObject = ImageObject> implements ImportCoordinator {
  constructor(private readonly ns: DurableObjectNamespace<T>) {}
  private stub = (id: string) => this.ns.getByName(id) as unknown as DurableObjectStub<ImageObject>;

  beginStage(id: string, store: string) {
    return as<"beginStage">(this.stub(id).beginStage(id, store));
  }
  renewStage(id: string, stageId: string) {
    return this.stub(id).renewStage(id, stageId);
  }
  finishStage(id: string, stageId: string, size: number, stageHost: string | null) {
    return as<"finishStage">(this.stub(id).finishStage(id, stageId, size, stageHost));
  }
  abortStage(id: string, stageId: string) {
    return this.stub(id).abortStage(id, stageId);
  }
  lockHolder(id: string) {
    return this.stub(id).importLockHolder(id);
  }
  acquire(id: string, plan: ImportPlan) {
    return as<"acquireImport">(this.stub(id).acquireImport(id, plan));
  }
  start(id: string, taskId: string) {
    return as<"startImport">(this.stub(id).startImport(id, taskId));
  }
  renew(id: string, taskId: string, delivery?: string) {
    return this.stub(id).renewImport(id, taskId, delivery);
  }
  applyMetadata(id: string, taskId: string, metadata: ImportMetadata) {
    return as<"applyImportMetadata">(this.stub(id).applyImportMetadata(id, taskId, metadata));
  }
  beginWrite(id: string, taskId: string, store: string, delivery: string) {
    return as<"beginImportWrite">(this.stub(id).beginImportWrite(id, taskId, store, delivery));
  }
  storeWritten(id: string, taskId: string, store: string, key: string, data: WrittenData & { virtualSize: number | null }, activate: boolean) {
    return as<"importStoreWritten">(this.stub(id).importStoreWritten(id, taskId, store, key, data, activate));
  }
  storeFailed(id: string, taskId: string, store: string, key: string) {
    return as<"importStoreFailed">(this.stub(id).importStoreFailed(id, taskId, store, key));
  }
  finish(id: string, taskId: string, outcome: ImportOutcome) {
    return this.stub(id).finishImport(id, taskId, outcome);
  }
  removeStore(id: string, store: string) {
    return as<"removeStore">(this.stub(id).removeStore(id, store));
  }
}

export class ImageObjectSessions<T extends ImageObject = ImageObject> implements UploadSessionCoordinator {
  constructor(private readonly ns: DurableObjectNamespace<T>) {}
  private stub = (id: string) => this.ns.getByName(id) as unknown as DurableObjectStub<ImageObject>;

  begin(imageId: string, request: NewUploadSession) {
    return as<"beginSession">(this.stub(imageId).beginSession(imageId, request));
  }
  get(imageId: string, sessionId: string) {
    return as<"getSession">(this.stub(imageId).getSession(imageId, sessionId));
  }
  current(imageId: string) {
    return as<"currentSession">(this.stub(imageId).currentSession(imageId));
  }
  partTarget(imageId: string, sessionId: string, partNumber: number) {
    return as<"sessionPartTarget">(this.stub(imageId).sessionPartTarget(imageId, sessionId, partNumber));
  }
  recordPart(imageId: string, sessionId: string, part: UploadSessionPart) {
    return as<"recordSessionPart">(this.stub(imageId).recordSessionPart(imageId, sessionId, part));
  }
  complete(imageId: string, sessionId: string, sha512: string | null) {
    return as<"completeSession">(this.stub(imageId).completeSession(imageId, sessionId, sha512));
  }
  abort(imageId: string, sessionId: string) {
    return as<"abortSession">(this.stub(imageId).abortSession(imageId, sessionId));
  }
  settle(imageId: string, sessionId: string, data: WrittenData | null, inspection: Inspection) {
    return as<"settleSession">(this.stub(imageId).settleSession(imageId, sessionId, data, inspection));
  }
}
