/**
 * Embedded demo sources: one PGlite database in which each source id is a PostgreSQL schema
 * (`salesorder.t_order`, `salespayment.t_trade`, …). Values come back in the same normalized form
 * as the mysql2 adapter: BIGINT and DECIMAL as exact strings, TIMESTAMP as 'YYYY-MM-DD HH:MM:SS'
 * text and DATE as 'YYYY-MM-DD' text (UTC wall clock, never converted through a JS Date), INT and
 * SMALLINT as numbers.
 */
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { SourceQueryError } from '../errors.ts';
import { MIN_TIMESTAMP } from '../time.ts';
import { indexName, qualifiedTable, quoteIdent, sourceTableDdl } from './ddl.ts';
import { checkReadRequest, checkSpec } from './read-request.ts';
import { SOURCE_IDS, type SourceId, type SourceTableSpec, tablesOf } from './spec.ts';
import type { RawRow, RawValue, ReadWindow, SourceReader, SourceSink } from './types.ts';

/** Rows per INSERT statement (PostgreSQL allows 65,535 parameters per statement). */
const INSERT_CHUNK_ROWS = 1000;
/** Rows per COPY of an insert (bounds the size of the text blob). */
const COPY_CHUNK_ROWS = 50_000;
const MAX_PARAMS = 65_535;

/**
 * The one PGlite database holding all four embedded sources. Pass an existing PGlite instance (it
 * stays owned by the caller) or a data directory / `'memory://'` (opened lazily, closed by `close()`).
 */
export class EmbeddedSources {
  readonly #given: PGliteInterface | undefined;
  readonly #dataDir: string | undefined;
  #opened: Promise<PGliteInterface> | undefined;

  constructor(db: PGliteInterface | string = 'memory://') {
    if (typeof db === 'string') {
      this.#given = undefined;
      this.#dataDir = db;
    } else {
      this.#given = db;
      this.#dataDir = undefined;
    }
  }

  /** The PGlite instance, opened on first use. */
  db(): Promise<PGliteInterface> {
    if (this.#given) return Promise.resolve(this.#given);
    if (!this.#opened) {
      const pg = new PGlite(this.#dataDir);
      this.#opened = pg.waitReady.then(() => pg);
    }
    return this.#opened;
  }

  /** A reader of one embedded source. */
  reader(source: SourceId): EmbeddedSourceReader {
    return new EmbeddedSourceReader(source, this);
  }

  /** A sink into one embedded source. */
  sink(source: SourceId): EmbeddedSourceSink {
    return new EmbeddedSourceSink(source, this);
  }

  /** Create every source's schema and tables. */
  async createAll(): Promise<void> {
    for (const source of SOURCE_IDS) await this.sink(source).createTables();
  }

  /** Close the database if this object opened it (a PGlite instance passed in is left open). */
  async close(): Promise<void> {
    if (this.#opened) {
      const pg = await this.#opened;
      this.#opened = undefined;
      if (!pg.closed) await pg.close();
    }
  }
}

function dbOf(db: EmbeddedSources | PGliteInterface): Promise<PGliteInterface> {
  return db instanceof EmbeddedSources ? db.db() : Promise.resolve(db);
}

function queryError(error: unknown, source: SourceId, operation: string, table?: string): SourceQueryError {
  if (error instanceof SourceQueryError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new SourceQueryError(
    `${operation} failed for embedded source ${source}${table ? ` table ${table}` : ''}: ${detail}`,
    { cause: error, context: { source, table, operation } },
  );
}

/**
 * Keyset-paginated COPY of the spec's columns over a half-open watermark window, ordered by
 * (watermark, id). COPY takes no bind parameters, so the window bounds, the cursor and the page
 * size are bound with `set_config(…, is_local => true)` in the same transaction and read back with
 * `current_setting` — values never enter the SQL text. The row comparison `(wm, id) > (…)` is
 * the keyset condition `wm > c OR (wm = c AND id > k)` in a form the (wm, id) index can seek on.
 */
export function embeddedCopySql(spec: SourceTableSpec, afterCursor: boolean): string {
  const q = (name: string) => quoteIdent(name, 'postgres');
  const wm = q(spec.watermark);
  const pk = q(spec.primaryKey);
  const wmType = spec.columns.find((c) => c.name === spec.watermark)?.type === 'date' ? 'date' : 'timestamp';
  const setting = (name: string, type: string) => `current_setting('recon.${name}')::${type}`;
  const columns = spec.columns.map((c) => q(c.name)).join(', ');
  const cursor = afterCursor
    ? ` AND (${wm}, ${pk}) > (${setting('after_wm', wmType)}, ${setting('after_id', 'bigint')})`
    : '';
  return (
    `COPY (SELECT ${columns} FROM ${qualifiedTable(spec, 'postgres', spec.source)}` +
    ` WHERE ${wm} >= ${setting('from', wmType)} AND ${wm} < ${setting('to', wmType)}${cursor}` +
    ` ORDER BY ${wm}, ${pk} LIMIT ${setting('page_size', 'bigint')}) TO '/dev/blob'`
  );
}

const COPY_UNESCAPE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeCopyText(field: string): string {
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_match, code: string) => {
    if (code.length > 1 || /[0-7]/.test(code)) {
      return String.fromCharCode(
        code.startsWith('x') ? Number.parseInt(code.slice(1), 16) : Number.parseInt(code, 8),
      );
    }
    return COPY_UNESCAPE[code] ?? code;
  });
}

/**
 * Parse PostgreSQL COPY text output into rows of the spec's columns: `\N` is NULL, INT/TINYINT
 * become numbers, everything else stays exact text (BIGINT, DECIMAL, TIMESTAMP, DATE, VARCHAR).
 */
export function parseCopyText(spec: SourceTableSpec, text: string): RawRow[] {
  const numeric = spec.columns.map((c) => c.type === 'int' || c.type === 'tinyint');
  const width = spec.columns.length;
  const rows: RawRow[] = [];
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const fields = text.slice(lineStart, lineEnd).split('\t');
    lineStart = lineEnd + 1;
    if (fields.length !== width) {
      throw new Error(`COPY row has ${fields.length} fields, expected ${width}`);
    }
    const row: RawValue[] = new Array(width);
    for (let i = 0; i < width; i++) {
      const field = fields[i]!;
      if (field === '\\N') row[i] = null;
      else if (numeric[i]) row[i] = Number(field);
      else row[i] = field.includes('\\') ? unescapeCopyText(field) : field;
    }
    rows.push(row);
  }
  return rows;
}

/** Encode rows as PostgreSQL COPY text input (`\N` for NULL; backslash, tab, newline, CR escaped). */
export function encodeCopyText(spec: SourceTableSpec, rows: RawRow[]): string {
  const width = spec.columns.length;
  const lines: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== width) throw new SourceQueryError(`row has ${row.length} values, expected ${width}`);
    const fields: string[] = new Array(width);
    for (let i = 0; i < width; i++) {
      const value = row[i];
      if (value === undefined)
        throw new SourceQueryError(`row for ${spec.table} is missing column ${spec.columns[i]?.name}`);
      if (value === null) fields[i] = '\\N';
      else if (typeof value === 'string') {
        fields[i] = /[\\\n\r\t]/.test(value)
          ? value.replace(/[\\\n\r\t]/g, (ch) =>
              ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : '\\t',
            )
          : value;
      } else fields[i] = String(value);
    }
    lines[r] = fields.join('\t');
  }
  return `${lines.join('\n')}\n`;
}

/** Streams partitions of one embedded source page by page (keyset pagination on watermark, id). */
export class EmbeddedSourceReader implements SourceReader {
  readonly source: SourceId;
  readonly #db: EmbeddedSources | PGliteInterface;

  constructor(source: SourceId, db: EmbeddedSources | PGliteInterface) {
    this.source = source;
    this.#db = db;
  }

  async *readPartition(
    spec: SourceTableSpec,
    window: ReadWindow,
    options: { batchSize?: number } = {},
  ): AsyncIterable<RawRow[]> {
    const batchSize = checkReadRequest(this.source, spec, window, options);
    // The embedded tables declare every watermark NOT NULL and PostgreSQL has no zero date, so
    // the invalid watermarks an embedded source can hold are the instants before 1970.
    if (window.invalidWatermarks) yield* this.#pages(spec, '-infinity', MIN_TIMESTAMP, batchSize);
    yield* this.#pages(spec, window.from, window.to, batchSize);
  }

  /** Keyset pages of the rows whose watermark is in [from, to) (bounds validated by the caller). */
  async *#pages(spec: SourceTableSpec, from: string, to: string, batchSize: number): AsyncIterable<RawRow[]> {
    const wmIndex = spec.columns.findIndex((c) => c.name === spec.watermark);
    const pkIndex = spec.columns.findIndex((c) => c.name === spec.primaryKey);
    if (wmIndex < 0 || pkIndex < 0)
      throw new SourceQueryError(`${spec.table}: watermark or key not in columns`);
    const firstSql = embeddedCopySql(spec, false);
    const nextSql = embeddedCopySql(spec, true);

    const db = await dbOf(this.#db);
    let cursor: [string, string] | undefined;
    for (;;) {
      let rows: RawRow[];
      try {
        const after = cursor;
        const text = await db.transaction(async (tx) => {
          await tx.query(
            `SELECT set_config('DateStyle', 'ISO, YMD', true), set_config('recon.from', $1, true),` +
              ` set_config('recon.to', $2, true), set_config('recon.page_size', $3, true),` +
              ` set_config('recon.after_wm', $4, true), set_config('recon.after_id', $5, true)`,
            [from, to, String(batchSize), after?.[0] ?? '', after?.[1] ?? ''],
          );
          const result = await tx.query(after ? nextSql : firstSql);
          return result.blob ? await result.blob.text() : '';
        });
        rows = parseCopyText(spec, text);
      } catch (error) {
        throw queryError(error, this.source, 'read', spec.table);
      }
      if (rows.length > 0) {
        const last = rows[rows.length - 1]!;
        cursor = [String(last[wmIndex]), String(last[pkIndex])];
        yield rows;
      }
      if (rows.length < batchSize) return;
    }
  }

  /** Nothing to release: the PGlite database is owned by `EmbeddedSources` or the caller. */
  async close(): Promise<void> {}
}

function toParam(value: RawValue | undefined, spec: SourceTableSpec, index: number): string | number | null {
  if (value === undefined) {
    throw new SourceQueryError(
      `row for ${spec.table} is missing column ${spec.columns[index]?.name ?? index}`,
    );
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Writes rows into one embedded source (synthetic generator, tests). */
export class EmbeddedSourceSink implements SourceSink {
  readonly source: SourceId;
  readonly #db: EmbeddedSources | PGliteInterface;

  constructor(source: SourceId, db: EmbeddedSources | PGliteInterface) {
    this.source = source;
    this.#db = db;
  }

  /** Create the source's schema, its tables and a (watermark, id) index for keyset reads. */
  async createTables(): Promise<void> {
    const db = await dbOf(this.#db);
    const schema = quoteIdent(this.source, 'postgres');
    for (const spec of tablesOf(this.source)) {
      const statements = [
        `CREATE SCHEMA IF NOT EXISTS ${schema}`,
        ...sourceTableDdl(spec, 'postgres', { schema: this.source }),
        `CREATE INDEX IF NOT EXISTS ${quoteIdent(indexName(spec, [spec.watermark, spec.primaryKey], false), 'postgres')}` +
          ` ON ${qualifiedTable(spec, 'postgres', this.source)} (${quoteIdent(spec.watermark, 'postgres')}, ${quoteIdent(spec.primaryKey, 'postgres')})`,
      ];
      try {
        await db.exec(statements.join(';\n'));
      } catch (error) {
        throw queryError(error, this.source, 'create table', spec.table);
      }
    }
  }

  async truncateAll(): Promise<void> {
    const db = await dbOf(this.#db);
    const tables = tablesOf(this.source).map((spec) => qualifiedTable(spec, 'postgres', this.source));
    try {
      await db.exec(`TRUNCATE TABLE ${tables.join(', ')}`);
    } catch (error) {
      throw queryError(error, this.source, 'truncate');
    }
  }

  async insert(spec: SourceTableSpec, rows: RawRow[]): Promise<void> {
    await this.#write(spec, rows, false);
  }

  async upsert(spec: SourceTableSpec, rows: RawRow[]): Promise<void> {
    await this.#write(spec, rows, true);
  }

  /**
   * Inserts stream through `COPY … FROM '/dev/blob'` (text format) in chunks of `COPY_CHUNK_ROWS`;
   * upserts are multi-row parameterized `INSERT … ON CONFLICT (id) DO UPDATE`. One transaction.
   */
  async #write(spec: SourceTableSpec, rows: RawRow[], upsert: boolean): Promise<void> {
    checkSpec(this.source, spec);
    if (upsert) rows = lastVersionPerKey(spec, rows);
    if (rows.length === 0) return;
    const db = await dbOf(this.#db);
    const width = spec.columns.length;
    const operation = upsert ? 'upsert' : 'insert';
    const table = qualifiedTable(spec, 'postgres', this.source);
    const columns = spec.columns.map((c) => quoteIdent(c.name, 'postgres')).join(', ');
    try {
      await db.transaction(async (tx) => {
        if (!upsert) {
          for (let start = 0; start < rows.length; start += COPY_CHUNK_ROWS) {
            const text = encodeCopyText(spec, rows.slice(start, start + COPY_CHUNK_ROWS));
            await tx.query(`COPY ${table} (${columns}) FROM '/dev/blob'`, [], { blob: new Blob([text]) });
          }
          return;
        }
        const chunk = Math.max(1, Math.min(INSERT_CHUNK_ROWS, Math.floor(MAX_PARAMS / width)));
        for (let start = 0; start < rows.length; start += chunk) {
          const part = rows.slice(start, start + chunk);
          const params: (string | number | null)[] = new Array(part.length * width);
          let k = 0;
          for (const row of part) {
            if (row.length !== width) {
              throw new SourceQueryError(`row has ${row.length} values, expected ${width}`);
            }
            for (let i = 0; i < width; i++) params[k++] = toParam(row[i], spec, i);
          }
          await tx.query(embeddedInsertSql(spec, part.length, true), params);
        }
      });
    } catch (error) {
      throw queryError(error, this.source, operation, spec.table);
    }
  }

  /** Nothing to release: the PGlite database is owned by `EmbeddedSources` or the caller. */
  async close(): Promise<void> {}
}

/**
 * Keep the last row per primary key: PostgreSQL refuses to update one row twice in a statement,
 * while MySQL's ON DUPLICATE KEY UPDATE applies duplicates in order (last wins). Same result here.
 */
function lastVersionPerKey(spec: SourceTableSpec, rows: RawRow[]): RawRow[] {
  const pkIndex = spec.columns.findIndex((c) => c.name === spec.primaryKey);
  const byKey = new Map<string, RawRow>();
  for (const row of rows) {
    const key = String(row[pkIndex]);
    byKey.delete(key);
    byKey.set(key, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

const insertSqlCache = new Map<string, string>();

/** `INSERT INTO schema.t (cols) VALUES ($1, …), …`, optionally `ON CONFLICT (pk) DO UPDATE`. */
export function embeddedInsertSql(spec: SourceTableSpec, rowCount: number, upsert: boolean): string {
  const key = `${spec.source}.${spec.table}:${rowCount}:${upsert}`;
  const cached = insertSqlCache.get(key);
  if (cached) return cached;
  const columns = spec.columns.map((c) => quoteIdent(c.name, 'postgres'));
  const width = columns.length;
  const tuples: string[] = new Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    const placeholders: string[] = new Array(width);
    for (let c = 0; c < width; c++) placeholders[c] = `$${r * width + c + 1}`;
    tuples[r] = `(${placeholders.join(', ')})`;
  }
  let sql = `INSERT INTO ${qualifiedTable(spec, 'postgres', spec.source)} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`;
  if (upsert) {
    const pk = quoteIdent(spec.primaryKey, 'postgres');
    const updates = columns.filter((c) => c !== pk).map((c) => `${c} = EXCLUDED.${c}`);
    sql += ` ON CONFLICT (${pk}) DO UPDATE SET ${updates.join(', ')}`;
  }
  if (insertSqlCache.size < 256) insertSqlCache.set(key, sql);
  return sql;
}
