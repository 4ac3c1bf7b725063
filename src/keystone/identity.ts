import type { TokenIdentity } from "../domain/identity";

/** What a validated Keystone token says about its bearer (the domain's TokenIdentity). */
export type KeystoneIdentity = TokenIdentity;

/** Reads GET /v3/auth/tokens's body; null when it is not a usable token document. */
export function identityFromToken(body: unknown): KeystoneIdentity | null {
  const t = (body as { token?: Record<string, any> } | null)?.token;
  if (!t || typeof t !== "object") return null;
  const userId = t.user?.id;
  const expiresAt = Date.parse(t.expires_at);
  if (typeof userId !== "string" || !Number.isFinite(expiresAt)) return null;
  // Only project-scoped tokens carry roles that Glance's policies (scope_types=['project']) accept;
  // domain- and system-scoped or unscoped tokens authenticate but are granted nothing.
  const project = t.project && typeof t.project.id === "string" ? t.project : null;
  const roles = project && Array.isArray(t.roles) ? t.roles.map((r: { name?: unknown }) => String(r?.name ?? "").toLowerCase()).filter(Boolean) : [];
  return {
    userId,
    projectId: project?.id ?? null,
    projectDomainId: typeof project?.domain?.id === "string" ? project.domain.id : null,
    roles,
    expiresAt,
  };
}
