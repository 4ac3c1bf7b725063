/** Who is calling: built by the auth middleware, read by policies and verbs. */
export interface RequestContext {
  requestId: string;
  projectId: string | null;
  userId: string | null;
  roles: string[];
  /** policy `context_is_admin` (role:admin in any project), computed once. */
  isAdmin: boolean;
  /** Anonymous access (allow_anonymous_access): every mutating verb answers 403. */
  readOnly: boolean;
  domainId?: string | null;
  authToken?: string | null;
}

export function anonymousContext(requestId: string): RequestContext {
  return { requestId, projectId: null, userId: null, roles: [], isAdmin: false, readOnly: true };
}
