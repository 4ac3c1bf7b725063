import type { Context } from "hono";
import { DomainError, type DomainErrorKind } from "../domain/errors";
import { InvalidStatusTransition } from "../domain/images/status";
import { ConfigError } from "../config";

// The only place domain errors become HTTP.
const STATUS: Record<DomainErrorKind, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Gone: 410,
  QuotaExceeded: 413,
  UnsupportedMediaType: 415,
  RangeNotSatisfiable: 416,
  ServiceUnavailable: 503,
};

export const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  416: "Requested Range Not Satisfiable",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

/** An HTTP error raised by the API layer itself (routing, media types, headers). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly detail = "",
  ) {
    super(message);
  }
}

type Format = "json" | "html" | "plain";

/** webob's negotiation between text/html and application/json; anything else is text/plain. */
export function negotiate(accept: string | undefined): Format {
  if (!accept) return "plain";
  let best: { f: Format; q: number } | null = null;
  for (const part of accept.split(",")) {
    const [type, ...params] = part.trim().toLowerCase().split(";");
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!(q > 0)) continue;
    const offers: Format[] =
      type === "text/html" ? ["html"] : type === "application/json" ? ["json"] : type === "*/*" || type === "text/*" ? (type === "text/*" ? ["html"] : ["html", "json"]) : type === "application/*" ? ["json"] : [];
    for (const f of offers) {
      if (!best || q > best.q) best = { f, q };
    }
  }
  return best?.f ?? "plain";
}

/** Glance's (webob's) error body for `status` with `explanation`. */
export function errorResponse(accept: string | undefined, status: number, explanation: string, headers: Record<string, string> = {}, detail = ""): Response {
  const title = TITLES[status] ?? "Error";
  const statusLine = `${status} ${title}`;
  const h = new Headers(headers);
  let body: string;
  switch (negotiate(accept)) {
    case "json":
      h.set("Content-Type", "application/json");
      body = JSON.stringify({ message: `${explanation}<br /><br />\n${detail}\n\n`, code: statusLine, title });
      break;
    case "html":
      h.set("Content-Type", "text/html; charset=UTF-8");
      body = `<html>\n <head>\n  <title>${statusLine}</title>\n </head>\n <body>\n  <h1>${statusLine}</h1>\n  ${escapeHtml(explanation)}<br /><br />\n${escapeHtml(detail)}\n\n\n </body>\n</html>`;
      break;
    default:
      h.set("Content-Type", "text/plain; charset=UTF-8");
      body = `${statusLine}\n\n${explanation}\n\n${detail}\n\n`;
  }
  return new Response(body, { status, headers: h });
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** onError: domain and HTTP errors keep their meaning; anything else is a 500 with no internals. */
export function handleError(err: Error, c: Context): Response {
  const accept = c.req.header("Accept");
  if (err instanceof HttpError) return errorResponse(accept, err.status, err.message, err.headers, err.detail);
  if (err instanceof DomainError) return errorResponse(accept, STATUS[err.kind], err.message, {}, err.detail ?? "");
  if (err instanceof InvalidStatusTransition) return errorResponse(accept, 409, err.message);
  const requestId = (c.get("requestId") as string | undefined) ?? "unknown";
  if (err instanceof ConfigError) {
    // An operator mistake, not an internal detail: say exactly what is wrong.
    console.error(`configuration error: ${err.message}`);
    return errorResponse(accept, 500, `The service is misconfigured: ${err.message}`);
  }
  console.error(`request ${requestId} failed: ${err.stack ?? err.message}`);
  return errorResponse(accept, 500, "The server has either erred or is incapable of performing the requested operation.");
}
