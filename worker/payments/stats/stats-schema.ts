/**
 * The EdgeStats objects' SQLite schema, versioned like the ledger's (ledger-schema.ts): the version
 * in `stats_meta`, every database brought to the latest by the migrations after its own, in one
 * transaction. Never edit a shipped migration: add the next one.
 *
 * `hour` is the UTC hour number (unix ms / 3,600,000) the call ended in, or ALL_TIME (-1) for the
 * lifetime row of the same series: Prometheus counters read that one row per series instead of
 * summing every hour, and stay monotonic whatever old hours are ever pruned.
 */
const V1 = `
  CREATE TABLE call_counts (
    hour INTEGER NOT NULL,
    service TEXT NOT NULL,
    scheme TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, service, scheme, outcome, reason)
  );
  CREATE TABLE durations (
    hour INTEGER NOT NULL,
    service TEXT NOT NULL,
    scheme TEXT NOT NULL,
    stage TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    count INTEGER NOT NULL,
    sum_seconds REAL NOT NULL,
    PRIMARY KEY (hour, service, scheme, stage, bucket)
  );
`;

const MIGRATIONS: readonly string[] = [V1];

export const STATS_SCHEMA_VERSION = MIGRATIONS.length;
export const ALL_TIME = -1;
export const HOUR_MS = 3_600_000;

/** Brings the stats in `storage` to the latest schema; returns the version it found. */
export function migrateStats(storage: DurableObjectStorage): number {
  const sql = storage.sql;
  return storage.transactionSync(() => {
    sql.exec("CREATE TABLE IF NOT EXISTS stats_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const stored = sql.exec<{ value: string }>("SELECT value FROM stats_meta WHERE key = 'schema_version'").toArray()[0];
    const found = stored ? Number(stored.value) : 0;
    if (!Number.isInteger(found) || found < 0 || found > MIGRATIONS.length) {
      throw new Error(`stats schema version ${stored?.value} is not one this code knows (latest ${MIGRATIONS.length}); deploy the newer code`);
    }
    for (let version = found; version < MIGRATIONS.length; version++) sql.exec(MIGRATIONS[version]!);
    sql.exec("INSERT OR REPLACE INTO stats_meta (key, value) VALUES ('schema_version', ?)", String(MIGRATIONS.length));
    return found;
  });
}
