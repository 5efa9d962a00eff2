/** Codes of the contract's `ErrorCode` enum. */
type ContractErrorCode =
  | 'SDK_CLIENT_NOT_FOUND' | 'SDK_CLIENT_INACTIVE' | 'SDK_ORIGIN_NOT_ALLOWED' | 'SDK_CONTEXT_TOKEN_INVALID'
  | 'SDK_BOOTSTRAP_FAILED' | 'SDK_SESSION_FAILED' | 'SDK_SESSION_REQUIRED' | 'SDK_DEVICE_TOKEN_INVALID'
  | 'SDK_DEVICE_TOKEN_REGISTER_FAILED' | 'SDK_DEVICE_TOKEN_UNREGISTER_FAILED' | 'SDK_VERSION_UNSUPPORTED'
  | 'FEATURE_NOT_AVAILABLE' | 'SERVER_API_KEY_INVALID' | 'SERVER_API_CONTEXT_MISSING' | 'SERVER_API_SCOPE_DENIED'
  | 'SERVER_CONTACT_VALIDATION_FAILED' | 'SERVER_WEBHOOK_VALIDATION_FAILED' | 'SERVER_WEBHOOK_NOT_FOUND'
  | 'SERVER_API_REPORTS_FAILED' | 'ADMIN_SDK_REPORTS_FAILED' | 'REPORT_DATE_RANGE_INVALID' | 'TOKEN_EXPIRED'
  | 'RATE_LIMITED' | 'NETWORK_ERROR' | 'NETWORK_UNAVAILABLE' | 'REALTIME_DISCONNECTED' | 'CALL_PERMISSION_DENIED'
  | 'CALL_SESSION_CONVERSATION_REQUIRED' | 'CALL_SESSION_TYPE_INVALID' | 'CALL_SESSION_NOT_FOUND'
  | 'CALL_SESSION_CREATE_FAILED' | 'CALL_SESSION_READ_FAILED' | 'CALL_SESSION_END_FAILED' | 'AI_NOT_READY';

/**
 * Codes this project adds to the contract's enum (openapi/openapi.yaml lists them too;
 * README "Contract additions" explains each).
 */
export const ADDED_ERROR_CODES = [
  'VALIDATION_FAILED', 'UNAUTHORIZED', 'INVALID_CREDENTIALS', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED',
  'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'QUOTA_EXCEEDED', 'NOT_CONFIGURED',
  'SERVICE_UNAVAILABLE', 'NOT_IMPLEMENTED', 'INTERNAL_ERROR',
  // Dashboard auth (docs/dashboard-auth.md).
  'TOKEN_INVALID', 'TOKEN_WRONG_KIND', 'TOKEN_REVOKED', 'REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED',
  'ENTRY_TOKEN_INVALID', 'GOOGLE_TOKEN_INVALID', 'ACCOUNT_DISABLED', 'TENANT_DISABLED',
] as const;

export type ErrorCode = ContractErrorCode | (typeof ADDED_ERROR_CODES)[number];

export class ApiError extends Error {
  readonly expose = true;

  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details?: string[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError('NOT_FOUND', 404, `${what} not found`);
