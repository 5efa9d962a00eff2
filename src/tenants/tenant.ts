/** A customer of the platform: one workspace, its owner, staff, clients and settings. */
export type Tenant = {
  id: string;
  slug: string;
  name: string;
  companyName: string | null;
  email: string;
  phone: string | null;
  timezone: string;
  industry: string | null;
  logoUrl: string | null;
  active: boolean;
  onboardingCompleted: boolean;
  publicKey: string;
  planId: string;
  branding: Record<string, unknown>;
  serviceEnablement: Record<string, boolean>;
  createdAt: string;
  updatedAt: string;
};
