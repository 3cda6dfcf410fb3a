/**
 * `npm run bench:core`: the core sweep scenarios through the programmatic
 * API (KeepAliveMonitor, time passed in) against a Map scanned in full per
 * sweep and a plain binary heap with lazy re-keying, in the same run, on
 * each traffic profile (core/profiles.ts). Flags: --profile
 * uniform|tiers|realistic|all (all, side by side), --clients N (100000),
 * --rounds R (3; every figure is the median over rounds), --quick,
 * --mass-only (only the mass expiry and the memory probe, with their
 * targets: `--clients 1000000 --mass-only` gives the million-client figures
 * in minutes; the full run at 1M takes the Map scan ~1000x longer).
 *
 * With more than one profile, each runs in a fresh node process (this
 * script with --child-json), as a server holds one population: in one
 * process the later profiles ran on a heap grown and scattered by the
 * earlier ones (heartbeat by handle measured 130 ns on the profile run
 * third and 27-30 ns on the same profile alone), a cost of the bench's
 * order, not of the profile. Every implementation of a profile still runs
 * in the same process.
 */
import { runJsonChildLive } from './core/child-process.js';
import { reportCore, reportMassOnly } from './core/core-report.js';
import { runMassOnly, runProfile, type MassOnlyResult, type ProfileResult } from './core/profile-run.js';
import { parseProfiles, type ProfileName } from './core/profiles.js';
import { benchFlags, progress } from './lib/index.js';

const values = benchFlags('npm run bench:core --', {
  clients: { type: 'string', default: '100000' },
  rounds: { type: 'string', default: '3' },
  profile: { type: 'string', default: 'all' },
  quick: { type: 'boolean', default: false },
  'mass-only': { type: 'boolean', default: false },
  /** Internal: run the one profile given and print its result as JSON on stdout. */
  'child-json': { type: 'boolean', default: false },
});
const quick = values.quick ?? false;
const clients = quick ? 10_000 : Number(values.clients);
const rounds = quick ? 1 : Number(values.rounds);
if (!Number.isInteger(clients) || clients < 1000) throw new Error(`--clients must be an integer >= 1000; got '${values.clients}'`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer; got '${values.rounds}'`);
const profiles = parseProfiles(values.profile);

const settings = { clients, rounds, quick };
const childArgs = (profile: string): string[] =>
  ['--profile', profile, '--clients', String(clients), '--rounds', String(rounds), ...(quick ? ['--quick'] : []), ...(values['mass-only'] ? ['--mass-only'] : []), '--child-json'];

/** One profile's result: in this process when it is the only one, else in a fresh one. */
async function resultOf<T>(profile: ProfileName, here: () => Promise<T>): Promise<T> {
  return profiles.length === 1 ? here() : runJsonChildLive<T>(new URL(import.meta.url), childArgs(profile));
}

if (values['child-json']) {
  const [profile] = profiles;
  const result = values['mass-only'] ? await runMassOnly(profile, settings) : await runProfile(profile, settings);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  progress(`core sweeps: ${clients.toLocaleString('en-US')} clients, ${rounds} round(s), profiles ${profiles.join(', ')}`);
  if (values['mass-only']) {
    const mass: MassOnlyResult[] = [];
    for (const profile of profiles) mass.push(await resultOf(profile, () => runMassOnly(profile, settings)));
    reportMassOnly(mass, settings);
  } else {
    const results: ProfileResult[] = [];
    for (const profile of profiles) results.push(await resultOf(profile, () => runProfile(profile, settings)));
    reportCore(results, settings);
  }
}
