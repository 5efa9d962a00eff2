/** The rule for every display name (tenants, accounts, OAuth clients, API keys): 1-120 characters, not blank. */
export function nameProblem(name: string | undefined): string | undefined {
  return name !== undefined && (!name.trim() || name.length > 120) ? 'name must be 1-120 characters' : undefined;
}
