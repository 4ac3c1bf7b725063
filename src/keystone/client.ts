// Validates user tokens against Keystone v3 the way keystonemiddleware's auth_token does:
// GET {url}/v3/auth/tokens with the service's own token in X-Auth-Token and the user's in
// X-Subject-Token. Verdicts are cached; Keystone being unreachable is never a "yes".
import { IdentityUnavailable, type TokenValidator } from "../domain/identity";
import type { KeystoneSettings } from "../domain/settings";
import { type KeystoneIdentity, identityFromToken } from "./identity";
import type { TokenCache } from "./token-cache";

/** Keystone could not be asked (network, timeout, 5xx, or it refused our service credentials). */
export class KeystoneUnavailable extends IdentityUnavailable {}

export type Fetcher = (input: string, init?: RequestInit) => Promise<Response>;

// Invalid tokens stay invalid; remembering that briefly spares Keystone a replay storm.
const NEGATIVE_TTL_MS = 60_000;
// Refresh the service token this long before Keystone would expire it.
const SERVICE_TOKEN_MARGIN_MS = 60_000;

export class KeystoneClient implements TokenValidator {
  private serviceToken: { token: string; until: number } | null = null;
  // Concurrent requests bearing the same uncached token share one validation call.
  private readonly inflight = new Map<string, Promise<KeystoneIdentity | null>>();

  constructor(
    private readonly settings: KeystoneSettings,
    private readonly cache: TokenCache,
    private readonly fetcher: Fetcher = (i, init) => fetch(i, init),
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The identity behind `token`, or null when Keystone says it is invalid or expired. With
   * `allowExpired` (the request also carries a valid service token), an expired token that Keystone
   * still vouches for (`allow_expired`, within its allow_expired_window) is accepted, as
   * keystonemiddleware does for services finishing a user's long operation.
   */
  async validate(token: string, allowExpired = false): Promise<KeystoneIdentity | null> {
    const key = await digest(`${this.settings.url}\u0000${token}${allowExpired ? "\u0000allow_expired" : ""}`);
    const cached = await this.cache.get(key);
    if (cached) return cached.valid && (allowExpired || cached.identity.expiresAt > this.now()) ? cached.identity : null;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchVerdict(key, token, allowExpired).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async fetchVerdict(key: string, token: string, allowExpired: boolean): Promise<KeystoneIdentity | null> {

    let r = await this.ask(token, await this.getServiceToken(false), allowExpired);
    if (r.status === 401 || r.status === 403) {
      // Our own token may have expired or been revoked: get a fresh one once.
      if (this.settings.serviceAuth.kind !== "token") r = await this.ask(token, await this.getServiceToken(true), allowExpired);
      if (r.status === 401 || r.status === 403) throw new KeystoneUnavailable(`Keystone refused the service credentials (${r.status})`);
    }
    if (r.status === 404) {
      await this.cache.put(key, { valid: false }, Math.min(NEGATIVE_TTL_MS, this.settings.tokenCacheTime * 1000));
      return null;
    }
    if (r.status !== 200) throw new KeystoneUnavailable(`Keystone answered ${r.status} to token validation`);
    const identity = identityFromToken(await r.json().catch(() => null));
    if (!identity) return null;
    const left = identity.expiresAt - this.now();
    if (left <= 0 && !allowExpired) return null;
    const ttl = left > 0 ? Math.min(left, this.settings.tokenCacheTime * 1000) : this.settings.tokenCacheTime * 1000;
    await this.cache.put(key, { valid: true, identity }, ttl);
    return identity;
  }

  private async ask(subject: string, serviceToken: string, allowExpired: boolean): Promise<Response> {
    return this.call(`${this.settings.url}/v3/auth/tokens?nocatalog${allowExpired ? "&allow_expired=1" : ""}`, {
      method: "GET",
      headers: { "X-Auth-Token": serviceToken, "X-Subject-Token": subject, Accept: "application/json" },
    });
  }

  private async call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetcher(url, { ...init, signal: AbortSignal.timeout(this.settings.timeout * 1000) });
    } catch (e) {
      throw new KeystoneUnavailable(`Keystone is unreachable: ${(e as Error).message}`);
    }
  }

  /** The token this service presents to Keystone: the configured one, or one obtained with its credentials. */
  private async getServiceToken(renew: boolean): Promise<string> {
    const auth = this.settings.serviceAuth;
    if (auth.kind === "token") return auth.token;
    if (!renew && this.serviceToken && this.serviceToken.until > this.now()) return this.serviceToken.token;
    const identity =
      auth.kind === "password"
        ? {
            methods: ["password"],
            password: { user: { name: auth.user, domain: { name: auth.userDomain }, password: auth.password } },
          }
        : { methods: ["application_credential"], application_credential: { id: auth.id, secret: auth.secret } };
    const body: Record<string, unknown> = { auth: { identity } };
    if (auth.kind === "password") {
      (body.auth as Record<string, unknown>).scope = { project: { name: auth.project, domain: { name: auth.projectDomain } } };
    }
    const r = await this.call(`${this.settings.url}/v3/auth/tokens?nocatalog`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    const token = r.headers.get("X-Subject-Token");
    if (r.status !== 201 || !token) throw new KeystoneUnavailable(`Keystone refused the service credentials (${r.status})`);
    const expires = Date.parse(((await r.json().catch(() => null)) as { token?: { expires_at?: string } } | null)?.token?.expires_at ?? "");
    const until = Number.isFinite(expires) ? expires - SERVICE_TOKEN_MARGIN_MS : this.now() + 5 * 60_000;
    this.serviceToken = { token, until };
    return token;
  }
}

async function digest(token: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
