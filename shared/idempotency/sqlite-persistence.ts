import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

type Row = {
  id: string;
  status: string;
  expiration: number | null;
  in_progress_expiration: number | null;
  data: string | null;
  validation: string | null;
};

/**
 * Powertools idempotency persistence in a local SQLite file (`node:sqlite`): the one-machine twin of
 * the DynamoDB table, with the same rules: a key can be taken when it does not exist, when its record
 * has expired, or when an in-progress record's own expiry has passed (its worker died).
 *
 * @example
 * const store = new SqlitePersistenceLayer('.leadgate/idempotency.sqlite');
 * const sendOnce = makeIdempotent(send, { persistenceStore: store });
 */
export class SqlitePersistenceLayer extends BasePersistenceLayer {
  readonly #db: DatabaseSync;
  /** The statements, compiled once (compiling one per call was a visible part of deliver's CPU). */
  readonly #select: StatementSync;
  readonly #insert: StatementSync;
  readonly #update: StatementSync;
  readonly #delete: StatementSync;

  constructor(file: string) {
    super();
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file);
    // NORMAL: a process crash loses nothing; an OS crash could forget the last delivered keys, which can
    // cause a duplicate, never a lost lead (the queue itself keeps FULL).
    this.#db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS idempotency (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, expiration INTEGER, in_progress_expiration INTEGER,
        data TEXT, validation TEXT)`);
    this.#select = this.#db.prepare('SELECT * FROM idempotency WHERE id = ?');
    this.#insert = this.#db.prepare('INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?)');
    this.#update = this.#db.prepare(
      'UPDATE idempotency SET status = ?, expiration = ?, data = ?, validation = ? WHERE id = ?',
    );
    this.#delete = this.#db.prepare('DELETE FROM idempotency WHERE id = ?');
  }

  /** Closes the database file. */
  close(): void {
    this.#db.close();
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const row = this.#select.get(idempotencyKey) as Row | undefined;
    if (!row) throw new IdempotencyItemNotFoundError();
    return toRecord(row);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const now = Date.now();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const existing = this.#select.get(record.idempotencyKey) as Row | undefined;
      const takeable =
        !existing ||
        (existing.expiration !== null && existing.expiration < now / 1000) ||
        (existing.status === IdempotencyRecordStatus.INPROGRESS &&
          existing.in_progress_expiration !== null &&
          existing.in_progress_expiration < now);
      if (!takeable && existing) {
        throw new IdempotencyItemAlreadyExistsError(
          `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
          toRecord(existing),
        );
      }
      this.#insert.run(
        record.idempotencyKey,
        record.getStatus(),
        record.expiryTimestamp ?? null,
        record.inProgressExpiryTimestamp ?? null,
        null,
        this.isPayloadValidationEnabled() ? (record.payloadHash ?? null) : null,
      );
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.#update.run(
      record.getStatus(),
      record.expiryTimestamp ?? null,
      record.responseData === undefined ? null : JSON.stringify(record.responseData),
      record.payloadHash ?? null,
      record.idempotencyKey,
    );
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.#delete.run(record.idempotencyKey);
  }
}

function toRecord(row: Row): IdempotencyRecord {
  return new IdempotencyRecord({
    idempotencyKey: row.id,
    status: row.status as (typeof IdempotencyRecordStatus)[keyof typeof IdempotencyRecordStatus],
    ...(row.expiration === null ? {} : { expiryTimestamp: row.expiration }),
    ...(row.in_progress_expiration === null ? {} : { inProgressExpiryTimestamp: row.in_progress_expiration }),
    ...(row.data === null ? {} : { responseData: JSON.parse(row.data) }),
    ...(row.validation === null ? {} : { payloadHash: row.validation }),
  });
}
