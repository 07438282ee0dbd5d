/**
 * A refusal a user caused (bad input, a state that forbids the action). `code` names it for
 * translated messages; `message` is the English one-liner the CLI prints.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'DomainError'
  }
}
