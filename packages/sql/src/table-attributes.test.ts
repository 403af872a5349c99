import { describe, expect, it } from 'vitest';
import { listSql, sqlFile } from './files.ts';
import { splitStatements } from './templates.ts';
import {
  createTableColumns,
  formatTableAttributes,
  parseTableAttributes,
  renderRedshiftDdl,
  TableAttributesError,
  tableAttributesOf,
} from './table-attributes.ts';

const ddlStatements = listSql('ddl').flatMap((file) =>
  splitStatements(sqlFile(file)).map((statement) => ({ file, statement })),
);

describe('Redshift table-attribute markers', () => {
  it('parses the marker grammar into canonical attributes', () => {
    expect(parseTableAttributes('DISTKEY (order_id) SORTKEY (biz_date)')).toEqual({
      diststyle: 'KEY',
      distkey: 'order_id',
      sortkey: ['biz_date'],
    });
    expect(parseTableAttributes('diststyle all')).toEqual({ diststyle: 'ALL' });
    expect(parseTableAttributes('DISTSTYLE AUTO SORTKEY AUTO')).toEqual({
      diststyle: 'AUTO',
      sortkey: 'AUTO',
    });
    expect(parseTableAttributes('DISTSTYLE KEY DISTKEY(pk) COMPOUND SORTKEY(table_name,pk)')).toEqual({
      diststyle: 'KEY',
      distkey: 'pk',
      sortkey: ['table_name', 'pk'],
    });
    expect(formatTableAttributes({ diststyle: 'KEY', distkey: 'pk', sortkey: ['table_name', 'pk'] })).toBe(
      'DISTSTYLE KEY DISTKEY (pk) COMPOUND SORTKEY (table_name, pk)',
    );
    expect(formatTableAttributes({ diststyle: 'AUTO', sortkey: 'AUTO' })).toBe('DISTSTYLE AUTO SORTKEY AUTO');
  });

  it.each([
    'SORTKEY (biz_date)',
    'DISTSTYLE EVEN DISTKEY (a)',
    'DISTSTYLE KEY',
    'DISTKEY (a, b)',
    'DISTKEY (a); DROP TABLE x',
    'DISTKEY ("a")',
    'DISTSTYLE ALL INTERLEAVED SORTKEY (a)',
    'DISTSTYLE ALL BACKUP NO',
    '',
  ])('refuses the marker %j', (marker) => {
    expect(() => parseTableAttributes(marker)).toThrow(TableAttributesError);
  });

  it('refuses a marker naming an unknown column, two markers, or a marker off a CREATE TABLE', () => {
    const table = 'CREATE TABLE IF NOT EXISTS s.t (\n  a BIGINT NOT NULL,\n  b DATE,\n  PRIMARY KEY (a)\n)';
    expect(tableAttributesOf(`-- redshift: DISTKEY (a) SORTKEY (b)\n${table}`)).toEqual({
      diststyle: 'KEY',
      distkey: 'a',
      sortkey: ['b'],
    });
    expect(() => tableAttributesOf(`-- redshift: DISTKEY (c)\n${table}`)).toThrow(
      /names c, which is not one/,
    );
    expect(() =>
      tableAttributesOf(`-- redshift: DISTSTYLE ALL\n-- redshift: DISTSTYLE ALL\n${table}`),
    ).toThrow(/2 "-- redshift:" markers/);
    expect(() => tableAttributesOf('-- redshift: DISTSTYLE ALL\nCREATE VIEW s.v AS SELECT 1 AS a')).toThrow(
      TableAttributesError,
    );
    expect(tableAttributesOf(table)).toBeUndefined();
  });

  it('reads the columns of a CREATE TABLE, skipping constraints and DECIMAL(p,s) commas', () => {
    expect(
      createTableColumns(
        'CREATE TABLE recon.x (\n a DECIMAL(12,2) NOT NULL, -- note, with comma\n b INTEGER,\n PRIMARY KEY (a, b)\n)',
      ),
    ).toEqual({ table: 'recon.x', columns: ['a', 'b'] });
    expect(createTableColumns('CREATE TEMP TABLE t AS SELECT 1')).toBeUndefined();
  });

  it('appends the attributes after the column list on a new line, so a trailing comment cannot swallow them', () => {
    const statement =
      '-- redshift: DISTSTYLE ALL\nCREATE TABLE IF NOT EXISTS s.t (\n  a INTEGER\n) -- trailing';
    expect(renderRedshiftDdl(statement)).toBe(`${statement}\nDISTSTYLE ALL`);
    expect(renderRedshiftDdl('CREATE SCHEMA IF NOT EXISTS recon')).toBe('CREATE SCHEMA IF NOT EXISTS recon');
  });

  it('refuses index creation, which Redshift has none of', () => {
    expect(() => renderRedshiftDdl('CREATE UNIQUE INDEX i ON s.t (a)')).toThrow(/Redshift has no indexes/);
    expect(() => renderRedshiftDdl('CREATE INDEX IF NOT EXISTS i ON s.t (a)')).toThrow(TableAttributesError);
    // Only code counts: a comment or literal mentioning it is fine.
    expect(renderRedshiftDdl("-- no CREATE INDEX here\nSELECT 'CREATE INDEX'")).toBe(
      "-- no CREATE INDEX here\nSELECT 'CREATE INDEX'",
    );
  });
});

describe('the DDL states its Redshift keys', () => {
  const tables = ddlStatements.filter(({ statement }) => createTableColumns(statement) !== undefined);

  it('finds every table of the DDL', () => {
    const written = listSql('ddl')
      .map((file) => sqlFile(file).match(/^CREATE TABLE/gm)?.length ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(written).toBeGreaterThanOrEqual(25);
    expect(tables.length).toBe(written);
  });

  it.each(tables.map(({ file, statement }) => [createTableColumns(statement)?.table, file, statement]))(
    '%s (%s) has one valid marker with a reason above it',
    (_table, _file, statement) => {
      expect(tableAttributesOf(statement as string)).toBeDefined();
      expect(statement).toMatch(/-- Redshift keys: [^\n]+\n(--[^\n]*\n)*-- redshift: /);
    },
  );

  it('renders the chosen keys for Redshift and leaves everything else as written', () => {
    const rendered = new Map(
      tables.map(({ statement }) => [createTableColumns(statement)?.table, renderRedshiftDdl(statement)]),
    );
    expect(rendered.get('recon.stg_recon_orders')).toMatch(
      /\)\nDISTSTYLE KEY DISTKEY \(order_id\) COMPOUND SORTKEY \(biz_date\)$/,
    );
    expect(rendered.get('recon.stg_recon_trades')).toMatch(
      /DISTKEY \(trade_no\) COMPOUND SORTKEY \(biz_date\)$/,
    );
    expect(rendered.get('recon.schema_migrations')).toMatch(/\)\nDISTSTYLE ALL$/);
    expect(rendered.get('recon.stg_recon_tombstones')).toMatch(
      /DISTSTYLE KEY DISTKEY \(pk\) COMPOUND SORTKEY \(table_name, pk\)$/,
    );
    for (const { statement } of ddlStatements) {
      if (createTableColumns(statement) === undefined) expect(renderRedshiftDdl(statement)).toBe(statement);
    }
  });
});
