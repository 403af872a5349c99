/**
 * Synthetic source data: a seeded generator with planted anomalies and its answer key, a writer
 * into source sinks, and a small in-memory reference reconciliation used to validate the key.
 */
export * from './generator.ts';
export * from './oracle.ts';
export * from './prng.ts';
export * from './sinks.ts';
