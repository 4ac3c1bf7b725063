// Presigned S3 requests for R2 (AWS Signature Version 4, query-string auth) with WebCrypto, so a
// client can PUT a part straight to R2's S3-compatible endpoint: the bytes never pass through the
// Worker. Only available when the R2_S3_CREDENTIALS secret is set (see README, "Large images").
import { ConfigError } from "../domain/errors";
import type { PresignedRequest } from "../domain/ports";

export interface S3Config {
  /** https://<account id>.r2.cloudflarestorage.com (or the jurisdiction/custom endpoint given). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Store id → bucket name (a store without a bucket here has no direct uploads). */
  buckets: Record<string, string>;
  region: string;
}

let cached: { raw: string; config: S3Config | null } | null = null;

/**
 * R2_S3_CREDENTIALS: `{"account_id", "access_key_id", "secret_access_key", "buckets": {"store1":
 * "bucket"}, "jurisdiction"?: "eu", "endpoint"?}`. Absent or empty = no presigned URLs.
 */
export function s3ConfigFor(env: object): S3Config | null {
  const raw = String((env as Record<string, unknown>).R2_S3_CREDENTIALS ?? "").trim();
  if (cached?.raw === raw) return cached.config;
  cached = { raw, config: raw ? parseS3Config(raw) : null };
  return cached.config;
}

function parseS3Config(raw: string): S3Config {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new ConfigError("R2_S3_CREDENTIALS is not valid JSON");
  }
  const str = (k: string, pattern = /^\S+$/) => {
    const v = o?.[k];
    if (typeof v !== "string" || !pattern.test(v)) throw new ConfigError(`invalid R2_S3_CREDENTIALS: ${k} must be a non-empty string`);
    return v;
  };
  const buckets = o.buckets;
  if (typeof buckets !== "object" || buckets === null || Array.isArray(buckets) || Object.values(buckets).some((b) => typeof b !== "string" || !b)) {
    throw new ConfigError('invalid R2_S3_CREDENTIALS: buckets must map store ids to bucket names, e.g. {"store1": "glance-store1"}');
  }
  let endpoint: string;
  if (o.endpoint !== undefined) {
    endpoint = str("endpoint", /^https?:\/\/[^/\s]+\/?$/).replace(/\/$/, "");
  } else {
    const account = str("account_id", /^[0-9a-f]{32}$/i);
    const jurisdiction = o.jurisdiction === undefined ? "" : `.${str("jurisdiction", /^[a-z]+$/)}`;
    endpoint = `https://${account}${jurisdiction}.r2.cloudflarestorage.com`;
  }
  return { endpoint, accessKeyId: str("access_key_id"), secretAccessKey: str("secret_access_key"), buckets: buckets as Record<string, string>, region: "auto" };
}

/** Presigns UploadPart requests for one bucket. */
export class S3Presigner {
  constructor(
    private readonly config: S3Config,
    private readonly bucket: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** PUT <endpoint>/<bucket>/<key>?partNumber=&uploadId= with Content-Length signed (the part's exact size). */
  async uploadPart(key: string, uploadId: string, partNumber: number, length: number, expiresSeconds: number): Promise<PresignedRequest> {
    const url = new URL(`${this.config.endpoint}/${uriEncode(this.bucket, false)}/${uriEncode(key, false)}`);
    const date = this.now();
    const signed = await presignUrl({
      method: "PUT",
      url: url.toString(),
      query: { partNumber: String(partNumber), uploadId },
      headers: { "Content-Length": String(length) },
      accessKeyId: this.config.accessKeyId,
      secretAccessKey: this.config.secretAccessKey,
      region: this.config.region,
      service: "s3",
      date,
      expiresSeconds,
    });
    // X-Amz-Date has whole seconds: the URL expires expiresSeconds after that second, not after `date`.
    const signedAt = Math.floor(date.getTime() / 1000) * 1000;
    return { method: "PUT", url: signed, headers: { "Content-Length": String(length) }, expiresAt: new Date(signedAt + expiresSeconds * 1000).toISOString() };
  }
}

export interface PresignInput {
  method: string;
  /** Scheme, host and already-encoded path; no query. */
  url: string;
  /** Query parameters besides the X-Amz-* ones (raw values). */
  query: Record<string, string>;
  /** Headers to sign besides Host (the client must send them with these values). */
  headers: Record<string, string>;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  date: Date;
  expiresSeconds: number;
}

/** SigV4 query-string presigning (docs.aws.amazon.com, "Authenticating Requests: Using Query Parameters"). */
export async function presignUrl(i: PresignInput): Promise<string> {
  const url = new URL(i.url);
  const amzDate = i.date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${i.region}/${i.service}/aws4_request`;
  const headers: Record<string, string> = { host: url.host };
  for (const [k, v] of Object.entries(i.headers)) headers[k.toLowerCase()] = v.trim().replace(/\s+/g, " ");
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(";");
  const params: [string, string][] = [
    ...Object.entries(i.query),
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${i.accessKeyId}/${scope}`],
    ["X-Amz-Date", amzDate],
    ["X-Amz-Expires", String(i.expiresSeconds)],
    ["X-Amz-SignedHeaders", signedHeaders],
  ];
  const encoded = params.map(([k, v]) => [uriEncode(k, true), uriEncode(v, true)] as const);
  const canonicalQuery = [...encoded]
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [
    i.method,
    url.pathname,
    canonicalQuery,
    names.map((n) => `${n}:${headers[n]}\n`).join(""),
    signedHeaders,
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256Hex(canonicalRequest)].join("\n");
  let key: ArrayBuffer = new TextEncoder().encode(`AWS4${i.secretAccessKey}`).buffer as ArrayBuffer;
  for (const part of [day, i.region, i.service, "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, stringToSign));
  const query = [...encoded.map(([k, v]) => `${k}=${v}`), `X-Amz-Signature=${signature}`].join("&");
  return `${url.origin}${url.pathname}?${query}`;
}

/** SigV4 UriEncode: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded; "/" kept in paths. */
export function uriEncode(s: string, encodeSlash: boolean): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (c === "/" && !encodeSlash)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

async function hmac(key: ArrayBuffer, data: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, new TextEncoder().encode(data));
}

async function sha256Hex(s: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
