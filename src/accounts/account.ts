/** A workspace account: the tenant's owner, or one of its staff (admins, supervisors, agents). */
export const ROLES = ['owner', 'admin', 'supervisor', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export type Account = {
  id: string;
  tenantId: string;
  role: Role;
  username: string;
  email: string | null;
  emailVerified: boolean;
  name: string;
  departmentId: string | null;
  active: boolean;
  createdAt: string;
};

/** An account with its password hash: only login code ever sees this. */
export type AccountWithHash = Account & { passwordHash: string };

/** An account with what OIDC claims need of its tenant. */
export type AccountInTenant = Account & { updatedAt: string; tenantSlug: string; tenantActive: boolean; tenantTimezone: string };

/** Past the password check, the hash goes no further. */
export const withoutHash = ({ passwordHash: _hash, ...account }: AccountWithHash): Account => account;
