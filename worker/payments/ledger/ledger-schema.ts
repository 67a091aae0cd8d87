/**
 * The PaymentLedger's SQLite schema, versioned. The version lives in the database (`ledger_meta`),
 * and every database — a new one, or one written by any earlier version of this code — is brought
 * to the latest by running the migrations after its version, in order, in one transaction. A new
 * database runs them all, so there is one path to the latest schema, not two. Never edit a shipped
 * migration: add the next one.
 */

/** v1: the ledger as the exact-only edge wrote it (one EIP-3009 transfer per call, keyed by nonce and tx hash). */
const V1 = `
  CREATE TABLE IF NOT EXISTS reservations (
    nonce_key TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'pending', 'settled')),
    lease_until INTEGER NOT NULL,
    valid_before INTEGER NOT NULL,
    payer TEXT NOT NULL,
    amount TEXT NOT NULL,
    tx_hash TEXT
  );
  CREATE INDEX IF NOT EXISTS reservations_payer ON reservations (payer, state);
  CREATE TABLE IF NOT EXISTS payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    settled_at INTEGER NOT NULL,
    nonce_key TEXT NOT NULL,
    network TEXT NOT NULL,
    payer TEXT NOT NULL,
    pay_to TEXT NOT NULL,
    asset TEXT NOT NULL,
    amount TEXT NOT NULL,
    service TEXT NOT NULL,
    tx_hash TEXT NOT NULL UNIQUE,
    x402_version INTEGER NOT NULL,
    model TEXT,
    runner_id TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER
  );
  CREATE INDEX IF NOT EXISTS payments_settled_at ON payments (settled_at);
`;

/**
 * v2: scheme-neutral. Rows are keyed by scheme + replay key (for exact, the nonce key it had); a
 * payment has an authorized and a charged amount (equal for exact), a settlement reference (a tx
 * hash for exact; a channel and cumulative amount for a channel) and the transaction that moved
 * the money when one did. Every v1 row is carried over as an exact payment.
 */
const V2 = `
  ALTER TABLE reservations RENAME TO reservations_v1;
  ALTER TABLE payments RENAME TO payments_v1;
  DROP INDEX IF EXISTS reservations_payer;
  DROP INDEX IF EXISTS payments_settled_at;
  CREATE TABLE reservations (
    scheme TEXT NOT NULL,
    replay_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'pending', 'settled')),
    lease_until INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    payer TEXT NOT NULL,
    amount TEXT NOT NULL,
    settlement_ref TEXT,
    PRIMARY KEY (scheme, replay_key)
  );
  CREATE INDEX reservations_payer ON reservations (payer, state);
  CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    settled_at INTEGER NOT NULL,
    scheme TEXT NOT NULL,
    replay_key TEXT NOT NULL,
    network TEXT NOT NULL,
    payer TEXT NOT NULL,
    pay_to TEXT NOT NULL,
    asset TEXT NOT NULL,
    authorized TEXT NOT NULL,
    charged TEXT NOT NULL,
    service TEXT NOT NULL,
    settlement_ref TEXT NOT NULL,
    tx_hash TEXT,
    x402_version INTEGER NOT NULL,
    model TEXT,
    runner_id TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    UNIQUE (scheme, replay_key)
  );
  CREATE INDEX payments_settled_at ON payments (settled_at);
  CREATE INDEX payments_tx_hash ON payments (tx_hash);
  INSERT INTO reservations (scheme, replay_key, state, lease_until, valid_until, payer, amount, settlement_ref)
    SELECT 'exact', nonce_key, state, lease_until, valid_before, payer, amount, tx_hash FROM reservations_v1;
  -- For the first-row-per-nonce lookup below: without it that lookup scans the table once a row
  -- (quadratic: 40k v1 payments took 30 s, past a Durable Object's CPU limit, in the constructor).
  CREATE INDEX payments_v1_nonce ON payments_v1 (nonce_key, id);
  INSERT INTO payments (id, settled_at, scheme, replay_key, network, payer, pay_to, asset, authorized, charged, service,
                        settlement_ref, tx_hash, x402_version, model, runner_id, prompt_tokens, completion_tokens)
    SELECT id, settled_at, 'exact',
           -- v1 had no uniqueness on the nonce: should two rows share one, the later keeps its row, marked.
           CASE WHEN id = (SELECT MIN(p2.id) FROM payments_v1 p2 WHERE p2.nonce_key = p.nonce_key) THEN nonce_key ELSE nonce_key || '#' || id END,
           network, payer, pay_to, asset, amount, amount, service, tx_hash, tx_hash, x402_version, model, runner_id, prompt_tokens, completion_tokens
    FROM payments_v1 p;
  DROP TABLE reservations_v1;
  DROP TABLE payments_v1;
`;

const MIGRATIONS: readonly string[] = [V1, V2];

export const LEDGER_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the ledger in `storage` to the latest schema; returns the version it found. */
export function migrateLedger(storage: DurableObjectStorage): number {
  const sql = storage.sql;
  return storage.transactionSync(() => {
    sql.exec("CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const found = versionOf(sql);
    for (let version = found; version < MIGRATIONS.length; version++) sql.exec(MIGRATIONS[version]!);
    sql.exec("INSERT OR REPLACE INTO ledger_meta (key, value) VALUES ('schema_version', ?)", String(MIGRATIONS.length));
    return found;
  });
}

/** The stored version; a database from before versioning is v1 if it has the v1 tables, else new (0). */
function versionOf(sql: SqlStorage): number {
  const stored = sql.exec<{ value: string }>("SELECT value FROM ledger_meta WHERE key = 'schema_version'").toArray()[0];
  if (stored) {
    const version = Number(stored.value);
    if (!Number.isInteger(version) || version < 0 || version > MIGRATIONS.length) {
      throw new Error(`ledger schema version ${stored.value} is not one this code knows (latest ${MIGRATIONS.length}); deploy the newer code`);
    }
    return version;
  }
  const hasPayments = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'payments'").one().n > 0;
  return hasPayments ? 1 : 0;
}
