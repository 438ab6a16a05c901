/**
 * An error only the HTTP layer can raise (a missing token, an unsupported content encoding), with
 * the status to answer. Below api/, code raises the domain errors of query/errors.ts instead.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}
