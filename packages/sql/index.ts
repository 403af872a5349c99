/**
 * `@recon/sql`: the product's SQL models (one per file, by layer: `ddl/`, `staging/`, `match/`,
 * `dq/`, `anomalies/`, `marts/`; PostgreSQL-only shims in `shims/postgres/`), written for Amazon
 * Redshift and run unchanged on PostgreSQL and PGlite, plus a tiny typed loader and the
 * rendering of the DDL's `-- redshift:` table-attribute markers (DISTSTYLE/DISTKEY/SORTKEY).
 */
export {
  listAllSql,
  listSql,
  modelNameOf,
  registerModel,
  SQL_ROOT,
  SqlFileError,
  sqlFile,
} from './src/files.ts';
export { codeOnly, lex, type Segment, type SegmentKind, SqlSyntaxError } from './src/lexer.ts';
export {
  createTableColumns,
  formatTableAttributes,
  parseTableAttributes,
  renderRedshiftDdl,
  type TableAttributes,
  TableAttributesError,
  tableAttributesOf,
} from './src/table-attributes.ts';
export {
  type CompiledSql,
  compileNamed,
  type IdentifierVars,
  isSafeIdentifier,
  namedParams,
  namedSteps,
  renderIdentifiers,
  SqlParamError,
  type SqlStep,
  SqlTemplateError,
  splitStatements,
} from './src/templates.ts';
