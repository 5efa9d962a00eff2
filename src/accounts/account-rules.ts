import { nameProblem } from '../display-name.ts';
import { ROLES, type Role } from './account.ts';
import { MIN_PASSWORD_LENGTH } from './passwords.ts';

const USERNAME = /^[a-z0-9](?:[a-z0-9._-]{1,62}[a-z0-9])$/;
// Deliberately simple: one @, no spaces, a dot in the domain. Mailbox existence is not our call.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const isEmail = (value: string) => EMAIL.test(value) && value.length <= 254;

export function accountProblems(input: { username?: string; email?: string | null; password?: string; name?: string; role?: string }): string[] {
  const problems: string[] = [];
  if (input.username !== undefined && !USERNAME.test(input.username)) {
    problems.push('username must be 3-64 characters: lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit');
  }
  if (input.email != null && !isEmail(input.email)) problems.push('email must be a valid email address');
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) problems.push(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (input.password !== undefined && input.password.length > 1024) problems.push('password must be at most 1024 characters');
  const name = nameProblem(input.name);
  if (name) problems.push(name);
  if (input.role !== undefined && !ROLES.includes(input.role as Role)) problems.push(`role must be one of ${ROLES.join(', ')}`);
  return problems;
}
