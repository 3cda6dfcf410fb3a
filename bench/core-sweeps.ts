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
 */
import { reportCore, reportMassOnly } from './core/core-report.js';
import { runMassOnly, runProfile, type ProfileResult } from './core/profile-run.js';
import { parseProfiles } from './core/profiles.js';
import { benchFlags, progress } from './lib/index.js';

const values = benchFlags('npm run bench:core --', {
  clients: { type: 'string', default: '100000' },
  rounds: { type: 'string', default: '3' },
  profile: { type: 'string', default: 'all' },
  quick: { type: 'boolean', default: false },
  'mass-only': { type: 'boolean', default: false },
});
const quick = values.quick ?? false;
const clients = quick ? 10_000 : Number(values.clients);
const rounds = quick ? 1 : Number(values.rounds);
if (!Number.isInteger(clients) || clients < 1000) throw new Error(`--clients must be an integer >= 1000; got '${values.clients}'`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer; got '${values.rounds}'`);
const profiles = parseProfiles(values.profile);

progress(`core sweeps: ${clients.toLocaleString('en-US')} clients, ${rounds} round(s), profiles ${profiles.join(', ')}`);
if (values['mass-only']) {
  const mass = [];
  for (const profile of profiles) mass.push(await runMassOnly(profile, { clients, rounds, quick }));
  reportMassOnly(mass, { clients, rounds, quick });
} else {
  const results: ProfileResult[] = [];
  for (const profile of profiles) results.push(await runProfile(profile, { clients, rounds, quick }));
  reportCore(results, { clients, rounds, quick });
}
