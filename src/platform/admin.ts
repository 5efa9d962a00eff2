/** A member of the platform's own staff, signing in to the platform console. */
export const PLATFORM_ROLES = ['platform_owner', 'platform_admin', 'platform_support'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

export type PlatformAdmin = { id: string; email: string; name: string; role: PlatformRole; active: boolean };
export type PlatformAdminWithHash = PlatformAdmin & { passwordHash: string };
