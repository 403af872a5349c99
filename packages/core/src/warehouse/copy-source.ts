/**
 * The server-side COPY of a Parquet object from Amazon S3 (Redshift staging loads).
 *
 * `COPY … FROM 's3://…' IAM_ROLE '…'` takes its source and role as string literals: neither can
 * be a bind parameter (the Data API binds values of expressions, and COPY has none). Both are
 * therefore validated against strict shapes first — an S3 URL of a valid bucket name and a key of
 * safe characters, an IAM role ARN of its documented form — and only then written into the
 * statement as literals. Neither shape admits a quote, backslash, semicolon, whitespace or comment
 * marker, so a validated value can never end its literal early.
 */
import { isSafeIdentifier } from '@recon/sql';
import { ConnectionConfigError, WarehouseError } from '../errors.ts';

/** A validated `s3://bucket/key` location. */
export interface S3ObjectLocation {
  bucket: string;
  key: string;
}

// S3 general-purpose bucket naming rules: 3–63 lowercase letters, digits, dots and hyphens,
// beginning and ending with a letter or digit, no adjacent dots, not an IP address, and none of
// the prefixes/suffixes S3 reserves.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_BUCKET = /^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/;
// Keys this product writes: `/`-separated segments of letters, digits, `.`, `_`, `=` and `-`.
const KEY_SEGMENT = /^[A-Za-z0-9._=-]+$/;
const MAX_KEY_LENGTH = 1024;

/**
 * The IAM role ARN COPY may assume: `arn:<partition>:iam::<12-digit account>:role/<path/name>`,
 * the name and path of IAM's character set except `,` (which COPY would read as a role chain).
 */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=.@_/-]{1,512}$/;

function badSource(url: string, why: string): WarehouseError {
  return new WarehouseError(
    `COPY source ${JSON.stringify(url.slice(0, 200))} refused: ${why}; Redshift staging loads COPY from ` +
      'an s3://bucket/key object (the staging store must be s3://…, RECON_STAGING_URL)',
    { context: { operation: 'copy', objectUrl: url.slice(0, 200) } },
  );
}

/**
 * Validate an `s3://bucket/key` object URL for a COPY statement.
 * @throws WarehouseError (never retried) for another scheme, an invalid bucket name, or a key with
 *   an empty, `.` or `..` segment or a character outside `[A-Za-z0-9._=-]`.
 */
export function checkS3ObjectUrl(url: string): S3ObjectLocation {
  if (!url.startsWith('s3://')) throw badSource(url, 'not an s3:// URL');
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw badSource(url, 'no bucket and key');
  const bucket = rest.slice(0, slash);
  const key = rest.slice(slash + 1);
  if (
    !BUCKET.test(bucket) ||
    bucket.includes('..') ||
    IP_ADDRESS.test(bucket) ||
    RESERVED_BUCKET.test(bucket)
  ) {
    throw badSource(url, `invalid S3 bucket name "${bucket}"`);
  }
  if (key === '' || key.length > MAX_KEY_LENGTH) throw badSource(url, 'missing or over-long object key');
  if (key.split('/').some((segment) => segment === '.' || segment === '..' || !KEY_SEGMENT.test(segment))) {
    throw badSource(
      url,
      'the object key has an empty, "." or ".." segment or a character outside [A-Za-z0-9._=-]',
    );
  }
  return { bucket, key };
}

/**
 * Validate the IAM role COPY assumes. `source` names where the value came from (an environment
 * variable or a URL parameter) and is what the error names; the value itself is not echoed.
 * @throws ConnectionConfigError when `arn` is not a single IAM role ARN.
 */
export function checkIamRoleArn(arn: string, source: string): string {
  if (!IAM_ROLE_ARN.test(arn)) {
    throw new ConnectionConfigError(
      `${source} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)`,
      { context: { key: source } },
    );
  }
  return arn;
}

/**
 * `COPY <table> FROM '<url>' IAM_ROLE '<arn>' FORMAT AS PARQUET`, after validating every part.
 *
 * No column list: the Redshift documentation of COPY from columnar formats lists the only COPY
 * parameters it supports (ACCEPTINVCHARS, FILLRECORD, FROM, IAM_ROLE, CREDENTIALS, STATUPDATE,
 * MANIFEST, EXPLICIT_IDS — no column mapping) and states that COPY inserts the file's columns into
 * the table's columns in the order they occur, the two counts having to match. The caller
 * guarantees that order (see `WarehouseTx.copyParquetObject`); `columns` is checked here to be
 * plain identifiers so the contract is at least well-formed.
 * @throws WarehouseError for an unsafe table or column name or URL; ConnectionConfigError for a
 *   role that is not an IAM role ARN.
 */
export function copyParquetStatement(
  table: string,
  columns: readonly string[],
  objectUrl: string,
  roleArn: string,
  roleSource: string,
): string {
  if (!isSafeIdentifier(table)) {
    throw new WarehouseError(`COPY target ${JSON.stringify(table)} is not a plain table name`, {
      context: { operation: 'copy' },
    });
  }
  if (columns.length === 0 || columns.some((c) => !/^[a-z_][a-z0-9_]*$/.test(c))) {
    throw new WarehouseError(`COPY into ${table}: the column list must be plain lower-case identifiers`, {
      context: { operation: 'copy', table },
    });
  }
  checkS3ObjectUrl(objectUrl);
  checkIamRoleArn(roleArn, roleSource);
  // Both literals are validated above to hold no quote, backslash or whitespace.
  return `COPY ${table} FROM '${objectUrl}' IAM_ROLE '${roleArn}' FORMAT AS PARQUET`;
}

/**
 * The error of an engine with local COPY (PostgreSQL, PGlite) asked for a server-side Parquet
 * COPY from S3: its staging loads use `copyCsvFile`.
 */
export function parquetCopyUnsupported(dialect: string, table: string): WarehouseError {
  return new WarehouseError(
    `${dialect} cannot COPY a Parquet object from S3 into ${table}: it loads staging CSV files from ` +
      'this process (copyCsvFile)',
    { context: { dialect, operation: 'copy', table } },
  );
}
