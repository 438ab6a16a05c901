// What the query layer says when it cannot answer: the caller asked for something that does not
// exist, or asked in a way that cannot be answered. The messages are written for the person who
// made the request; the API's one error handler (api/server.ts) turns them into HTTP statuses, so
// nothing below api/ knows about HTTP.

/** A mistake or absence the caller can act on; its message says what to do. */
export abstract class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** What was asked for (a container, host, incident, death …) is not in the store. */
export class NotFound extends QueryError {}

/** A parameter is malformed, out of range or ambiguous: the request cannot be answered as given. */
export class InvalidArgument extends QueryError {}
