import { randomBytes } from 'node:crypto';

/**
 * A fresh incarnation for each start (and each rejoin after a fence):
 * "<node id>.<12 random hex>". Redis keys everything a gateway owns by its
 * incarnation, so a restarted gateway never inherits (or resurrects) its
 * previous life's clients. Spaces are replaced: owner values use a space
 * as the separator.
 */
export function newIncarnation(nodeId: string): string {
  return `${nodeId.replace(/\s/g, '_')}.${randomBytes(6).toString('hex')}`;
}
