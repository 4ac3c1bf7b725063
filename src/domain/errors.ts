// Domain errors carry no HTTP; src/api/errors.ts maps each kind to a status code once.
export type DomainErrorKind =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "Conflict"
  | "Gone"
  | "QuotaExceeded"
  | "UnsupportedMediaType"
  | "RangeNotSatisfiable"
  | "ServiceUnavailable";

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = kind;
  }
}

export const badRequest = (msg: string) => new DomainError("BadRequest", msg);
export const unauthorized = (msg = "This server could not verify that you are authorized to access the document you requested.") =>
  new DomainError("Unauthorized", msg);
export const forbidden = (msg = "You are not authorized to complete this action.") => new DomainError("Forbidden", msg);
export const notFound = (msg: string) => new DomainError("NotFound", msg);
export const conflict = (msg: string) => new DomainError("Conflict", msg);
export const gone = (msg: string) => new DomainError("Gone", msg);
export const unsupportedMediaType = (msg: string, detail?: string) => new DomainError("UnsupportedMediaType", msg, detail);
export const serviceUnavailable = (msg: string) => new DomainError("ServiceUnavailable", msg);

/** glance/quota: every over-limit answer is a 413 with a plain explanation. */
export class QuotaExceeded extends DomainError {
  constructor(
    message: string,
    readonly limit?: number,
    readonly current?: number,
  ) {
    super("QuotaExceeded", message);
  }
}

export const imageNotFound = (id: string) => notFound(`No image found with ID ${id}`);
/** glance InvalidImageData → webob's 415, the reason in its detail. */
export const invalidImageData = (reason: string) =>
  unsupportedMediaType("The request media type application/octet-stream is not supported by this server.", reason);
export const readOnlyAttribute = (name: string) => forbidden(`Attribute '${name}' is read-only.`);
export const reservedAttribute = (name: string) => forbidden(`Attribute '${name}' is reserved.`);

/** The deployment's configuration is wrong (a var or secret): answered as a 500 that names the problem. */
export class ConfigError extends Error {}
