/** An error AWS would return: code, message and HTTP status, plus protocol-specific extra fields (S3 adds BucketName, Key...). */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly extra: Record<string, string>;
  /** Query protocol: "Sender" for client faults, "Receiver" for server faults. */
  readonly faultType: 'Sender' | 'Receiver';
  /** Response headers the error carries (S3: x-amz-delete-marker on a 404 of a deleted key). */
  headers: Record<string, string> = {};

  constructor(code: string, message: string, status = 400, extra: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.extra = extra;
    this.faultType = status >= 500 ? 'Receiver' : 'Sender';
  }
}

export function isAwsErrorShape(value: unknown): value is { code: string; message: string; status: number } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.status === 'number';
}

export const validationError = (message: string): AwsError => new AwsError('ValidationError', message, 400);
export const noSuchEntity = (message: string): AwsError => new AwsError('NoSuchEntity', message, 404);
export const entityAlreadyExists = (message: string): AwsError => new AwsError('EntityAlreadyExists', message, 409);
export const deleteConflict = (message: string): AwsError => new AwsError('DeleteConflict', message, 409);
export const limitExceeded = (message: string): AwsError => new AwsError('LimitExceeded', message, 409);
export const malformedPolicy = (message: string): AwsError => new AwsError('MalformedPolicyDocument', message, 400);
/** A request body that ended before its declared length (the client hung up): S3's answer. */
export const incompleteBody = (): AwsError => new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);

export const internalError = (): AwsError =>
  new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);

/** S3's own code and text for a server fault; SDKs retry it. */
export const s3InternalError = (): AwsError => new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500);
