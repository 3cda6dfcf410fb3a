/**
 * Bounds of the command lines' --shards and --workers. Each shard costs its
 * first pages of shared memory up front (~0.5 MB at 100,000 shards became
 * 495 MB and 2.3 s before the first request), and more threads than cores
 * only add hand-offs. A module of their own: a command line that reads them
 * does not load the worker pool (create-live-monitor.ts does).
 */
export const MAX_SHARDS = 1024;
export const MAX_WORKERS = 256;
