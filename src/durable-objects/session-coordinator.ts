import type { Image } from "../domain/images/image";
import type { Inspection } from "../domain/images/formats/inspector";
import type {
  NewUploadSession,
  PartTarget,
  SessionAnswer,
  SettleSession,
  UploadSession,
  UploadSessionCoordinator,
  UploadSessionPart,
  WrittenData,
} from "../domain/ports";
import type { ImageObject } from "./image-object";

/** UploadSessionCoordinator port over the per-image Durable Object (RPC). */
export class DurableObjectSessions implements UploadSessionCoordinator {
  constructor(private readonly ns: DurableObjectNamespace<ImageObject>) {}

  private stub(id: string) {
    return this.ns.getByName(id);
  }

  begin(imageId: string, request: NewUploadSession) {
    return this.stub(imageId).beginSession(imageId, request) as Promise<SessionAnswer<{ session: UploadSession; image: Image }>>;
  }

  get(imageId: string, sessionId: string) {
    return this.stub(imageId).getSession(imageId, sessionId) as Promise<UploadSession | null>;
  }

  current(imageId: string) {
    return this.stub(imageId).currentSession(imageId) as Promise<UploadSession | null>;
  }

  partTarget(imageId: string, sessionId: string, partNumber: number) {
    return this.stub(imageId).sessionPartTarget(imageId, sessionId, partNumber) as Promise<SessionAnswer<{ target: PartTarget }>>;
  }

  recordPart(imageId: string, sessionId: string, part: UploadSessionPart) {
    return this.stub(imageId).recordSessionPart(imageId, sessionId, part) as Promise<SessionAnswer<{ part: UploadSessionPart }>>;
  }

  complete(imageId: string, sessionId: string, sha512: string | null) {
    return this.stub(imageId).completeSession(imageId, sessionId, sha512) as Promise<SessionAnswer<{ session: UploadSession }>>;
  }

  abort(imageId: string, sessionId: string) {
    return this.stub(imageId).abortSession(imageId, sessionId) as Promise<SessionAnswer<{ image: Image | null }>>;
  }

  settle(imageId: string, sessionId: string, data: WrittenData | null, inspection: Inspection) {
    return this.stub(imageId).settleSession(imageId, sessionId, data, inspection) as Promise<SettleSession>;
  }
}
