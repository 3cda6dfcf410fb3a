import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection between a scenario's setup and its timed part,
 * so that the survivors of the setup (a population registered all at once:
 * ids, index entries) are promoted before the clock starts and not by the
 * first measured call that happens to allocate. A server holding clients
 * registered over minutes has long promoted them; a bench that registers
 * them a millisecond earlier would charge that GC to whichever
 * implementation allocates first (keepwatch's sweep does, the Map scan does
 * not). Every implementation gets the same call. Garbage made while
 * measuring is still collected while measuring.
 */
let collect: (() => void) | undefined;

export function settleHeap(): void {
  if (collect === undefined) {
    // A context made after the flag is set has `gc` (the flag is not needed on the command line).
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
