/** Option parsers shared by the commands. */
import { InvalidArgumentError } from 'commander';

export function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('not an integer');
  return parsed;
}

export function positive(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('not a positive number');
  return parsed;
}
