// Token validation (Keystone mode), as the domain sees it. Adapter: src/keystone/ (Keystone v3
// GET /v3/auth/tokens with a service token, cached); src/wiring.ts plugs it in.

/** What a validated token says about its bearer (the parts Glance's context uses). */
export interface TokenIdentity {
  userId: string;
  projectId: string | null;
  projectDomainId: string | null;
  /** Lower-cased role names (Glance lower-cases X-Roles). */
  roles: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** The identity service could not be asked (down, timed out): the caller answers 503. */
export class IdentityUnavailable extends Error {}

export interface TokenValidator {
  /** The token's identity, or null when it is invalid or expired (unless `allowExpired`). */
  validate(token: string, allowExpired?: boolean): Promise<TokenIdentity | null>;
}
