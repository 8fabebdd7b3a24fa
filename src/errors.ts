// Failures of the storage layer. Refusals of a request are not here: the domain and the services
// throw a Refusal (src/domain/errors.ts), the HTTP layer an ApiError (src/http/problem.ts), and
// only src/http/problem.ts turns either, or a StorageError, into an answer.

/**
 * A change the data directory could not take (a failed commit). `full`: the database refused to
 * grow and is otherwise intact; `unusable`: it cannot be trusted any more (I/O error, read-only...).
 */
export class StorageError extends Error {
  constructor(
    readonly reason: 'full' | 'unusable',
    message: string,
  ) {
    super(message);
  }
}
