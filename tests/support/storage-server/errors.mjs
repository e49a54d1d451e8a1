// Supabase Storage's error envelope. Every client-side error is HTTP 400 and
// carries the real status in the body as a STRING ({"statusCode":"404",...});
// only a "500" makes the HTTP status 500 as well. A client therefore has to
// read the body to tell a missing object from a conflict. Unknown routes are
// the exception: Fastify's own 404 with a NUMERIC statusCode.

export class StorageError extends Error {
  constructor(status, code, message, error = code) {
    super(message);
    this.status = status; // the status the body reports
    this.code = code;
    this.error = error; // the short legacy "error" field
  }

  get httpStatus() {
    return this.status === 500 ? 500 : 400;
  }

  get body() {
    return { statusCode: String(this.status), error: this.error, message: this.message, code: this.code };
  }
}

// Messages and "error" strings as the real server words them (supabase/storage
// src/internal/errors/codes.ts); clients should key on `code` and `statusCode`.
export const errors = {
  invalidRequest: (message) => new StorageError(400, "InvalidRequest", message),
  accessDenied: (message) => new StorageError(403, "AccessDenied", message, "Unauthorized"),
  noSuchKey: () => new StorageError(404, "NoSuchKey", "Object not found", "not_found"),
  noSuchBucket: () => new StorageError(404, "NoSuchBucket", "Bucket not found", "Bucket not found"),
  keyAlreadyExists: () => new StorageError(409, "KeyAlreadyExists", "The resource already exists", "Duplicate"),
  bucketAlreadyExists: () => new StorageError(409, "BucketAlreadyExists", "The resource already exists", "Duplicate"),
  bucketNotEmpty: () => new StorageError(409, "ResourceNotEmpty", "The bucket you tried to delete is not empty"),
  entityTooLarge: () =>
    new StorageError(413, "EntityTooLarge", "The object exceeded the maximum allowed size", "Payload too large"),
  invalidKey: (key) => new StorageError(400, "InvalidKey", `Invalid key: ${key}`),
  invalidBucketName: () => new StorageError(400, "InvalidBucketName", "Bucket name invalid", "Invalid Input"),
  invalidMimeType: (type) =>
    new StorageError(415, "InvalidMimeType", `mime type ${type} is not supported`, "invalid_mime_type"),
  invalidRange: () => new StorageError(400, "InvalidRange", "invalid range provided", "invalid_range"),
};

// Fastify's answer for a route that does not exist (the real one sees the path
// with the gateway's /storage/v1 prefix already stripped).
export function routeNotFound(method, url) {
  return { statusCode: 404, error: "Not Found", message: `Route ${method}:${url} not found` };
}

// Codes a fault answers with when the test names only a status.
export const FAULT_CODES = { 429: "SlowDown", 500: "InternalError", 503: "DatabaseConnectionLimit", 544: "DatabaseTimeout" };
