/**
 * The `redshift-data://` form of `RECON_WAREHOUSE_URL` (SPEC §11), parsed without opening anything:
 *
 *     redshift-data://<workgroup>/<database>[?secretArn=…][&copyRoleArn=…]           Serverless
 *     redshift-data://cluster:<cluster-id>/<database>[?secretArn=…|dbUser=…][&copyRoleArn=…]  provisioned
 *
 * - `<workgroup>`: a Redshift Serverless workgroup name (3–64 lowercase letters, digits, hyphens).
 * - `cluster:<cluster-id>`: a provisioned cluster identifier (a lowercase letter, then up to 62
 *   lowercase letters, digits and single hyphens, not ending in a hyphen). The `cluster:` prefix
 *   keeps the two target kinds apart in one authority position (a workgroup name cannot hold `:`).
 * - `secretArn`: the Secrets Manager secret (ARN or name) holding database credentials; without
 *   it (and without `dbUser`) the Data API derives the database user from the caller's IAM identity.
 * - `dbUser`: provisioned clusters only, temporary credentials for that database user; not with
 *   `secretArn`.
 * - `copyRoleArn`: the IAM role Redshift assumes for `COPY … FROM 's3://…'` staging loads.
 *
 * The URL names things, never secrets: credentials in it (`user:pass@`) are refused. Every error
 * is a ConnectionConfigError naming RECON_WAREHOUSE_URL and the offending part, never its value.
 */
import { ConnectionConfigError } from '../errors.ts';
import { checkIamRoleArn } from './copy-source.ts';

/** Where a `redshift-data://` URL points: exactly one of `workgroupName` / `clusterIdentifier`. */
export interface RedshiftDataUrlTarget {
  workgroupName?: string;
  clusterIdentifier?: string;
  database: string;
  secretArn?: string;
  dbUser?: string;
  copyRoleArn?: string;
}

/** The label errors about the URL's `copyRoleArn` name. */
export const URL_COPY_ROLE_SOURCE = 'RECON_WAREHOUSE_URL parameter copyRoleArn';

const SHAPE = /^redshift-data:\/\/([^/?#]*)(?:\/([^/?#]*))?(?:\?([^#]*))?$/i;
const WORKGROUP = /^[a-z0-9-]{3,64}$/;
const CLUSTER = /^[a-z](?:[a-z0-9]|-(?!-|$)){0,62}$/;
const DATABASE = /^[A-Za-z0-9_$-]{1,127}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const DB_USER = /^[A-Za-z0-9_+.@$:-]{1,128}$/;
const PARAMETERS = new Set(['secretArn', 'dbUser', 'copyRoleArn']);

function bad(why: string): ConnectionConfigError {
  return new ConnectionConfigError(
    `RECON_WAREHOUSE_URL: ${why}; expected redshift-data://<workgroup>/<database> or ` +
      'redshift-data://cluster:<cluster-id>/<database>, optionally ?secretArn=…&copyRoleArn=… (dbUser=… for a cluster)',
    { context: { key: 'RECON_WAREHOUSE_URL' } },
  );
}

/**
 * Parse and validate a `redshift-data://` URL (see the module comment).
 * @throws ConnectionConfigError naming RECON_WAREHOUSE_URL for any other shape, never echoing
 *   the URL's values.
 */
export function parseRedshiftDataUrl(url: string): RedshiftDataUrlTarget {
  const m = SHAPE.exec(url.trim());
  if (!m) {
    if (!/^redshift-data:\/\//i.test(url.trim())) throw bad('not a redshift-data:// URL');
    throw bad('unexpected path segments or fragment');
  }
  const authority = m[1] ?? '';
  const database = m[2] ?? '';
  if (authority.includes('@')) {
    throw bad('credentials do not belong in the URL (use a Secrets Manager secret or IAM)');
  }
  const target: RedshiftDataUrlTarget = { database };
  if (authority.toLowerCase().startsWith('cluster:')) {
    const id = authority.slice('cluster:'.length);
    if (!CLUSTER.test(id)) throw bad('missing or invalid cluster identifier after cluster:');
    target.clusterIdentifier = id;
  } else {
    if (authority.includes(':')) throw bad('a port does not belong in the URL');
    if (!WORKGROUP.test(authority)) throw bad('missing or invalid workgroup name');
    target.workgroupName = authority;
  }
  if (!DATABASE.test(database)) throw bad('missing or invalid database name');

  const query = m[3];
  if (query !== undefined) {
    const params = new URLSearchParams(query);
    const seen = new Set<string>();
    for (const [name, value] of params) {
      if (!PARAMETERS.has(name)) throw bad(`unknown parameter "${name.slice(0, 40)}"`);
      if (seen.has(name)) throw bad(`parameter ${name} is given twice`);
      seen.add(name);
      if (value === '') throw bad(`parameter ${name} is empty`);
      if (name === 'secretArn') {
        if (!SECRET_ARN.test(value) && (value.startsWith('arn:') || !SECRET_NAME.test(value))) {
          throw bad('parameter secretArn is not a Secrets Manager secret ARN or name');
        }
        target.secretArn = value;
      } else if (name === 'dbUser') {
        if (!DB_USER.test(value)) throw bad('parameter dbUser is not a database user name');
        target.dbUser = value;
      } else {
        target.copyRoleArn = checkIamRoleArn(value, URL_COPY_ROLE_SOURCE);
      }
    }
  }
  if (target.dbUser !== undefined && target.workgroupName !== undefined) {
    throw bad('dbUser applies to provisioned clusters only (cluster:<id>)');
  }
  if (target.dbUser !== undefined && target.secretArn !== undefined) {
    throw bad('give secretArn or dbUser, not both');
  }
  return target;
}
