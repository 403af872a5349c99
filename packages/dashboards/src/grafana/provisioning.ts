/**
 * Grafana provisioning files (seed Phase 4 §8): the Redshift datasource and one file provider per
 * dashboard folder. Deployment-specific values are `$VARIABLE` placeholders that Grafana expands
 * from its environment when it reads the files, so no account, workgroup or path is written here.
 */
import type { GrafanaFolder } from './dashboard.ts';
import { RECON_DATASOURCE_NAME, RECON_DATASOURCE_UID, REDSHIFT_PLUGIN_ID } from './datasource.ts';

/** Environment variables Grafana must have to load the provisioning files. */
export const PROVISIONING_ENV = {
  /** Redshift Serverless workgroup of the warehouse. */
  workgroup: '$RECON_REDSHIFT_WORKGROUP',
  /** Database in that workgroup holding the `recon` schema. */
  database: '$RECON_REDSHIFT_DATABASE',
  /** AWS region of the workgroup. */
  region: '$RECON_REDSHIFT_REGION',
  /** Directory where Grafana finds the generated dashboard folders (one subdirectory per folder uid). */
  dashboardsDir: '$RECON_GRAFANA_DASHBOARDS_DIR',
} as const;

/** A YAML value: what the provisioning files are made of. */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

const RESERVED = /^(?:true|false|yes|no|on|off|null|~|y|n)$/i;
const PLAIN = /^[A-Za-z0-9$_./][A-Za-z0-9 $_./-]*$/;
const NUMERIC = /^[-+]?(?:\d[\d_]*)?(?:\.\d*)?(?:e[-+]?\d+)?$/i;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  // Plain only when YAML cannot read it as anything but this string; otherwise a JSON string,
  // which is valid double-quoted YAML.
  const plain = PLAIN.test(value) && !RESERVED.test(value) && !NUMERIC.test(value) && !value.endsWith(' ');
  return plain ? value : JSON.stringify(value);
}

function isScalar(value: YamlValue): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

function emit(value: YamlValue, indent: string): string[] {
  if (isScalar(value)) return [`${indent}${scalar(value)}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    return value.flatMap((item) => {
      const lines = emit(item, `${indent}  `);
      // The first line of the item goes after the dash; the rest keep the item's indentation.
      return [`${indent}- ${lines[0]!.slice(indent.length + 2)}`, ...lines.slice(1)];
    });
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return [`${indent}{}`];
  return entries.flatMap(([key, v]) => {
    if (isScalar(v) || (Array.isArray(v) && v.length === 0))
      return [`${indent}${scalar(key)}: ${emit(v, '')[0]}`];
    if (!Array.isArray(v) && Object.keys(v).length === 0) return [`${indent}${scalar(key)}: {}`];
    return [`${indent}${scalar(key)}:`, ...emit(v, Array.isArray(v) ? indent : `${indent}  `)];
  });
}

/** Serialize a value as a YAML document, preceded by `#` comment lines. */
export function toYaml(value: YamlValue, comments: readonly string[] = []): string {
  return [...comments.map((c) => `# ${c}`), ...emit(value, '')].join('\n') + '\n';
}

/** The datasource provisioning document: the warehouse on Redshift Serverless (seed §8.1). */
export function datasourceProvisioning(): YamlValue {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: RECON_DATASOURCE_NAME,
        uid: RECON_DATASOURCE_UID,
        type: REDSHIFT_PLUGIN_ID,
        access: 'proxy',
        editable: false,
        isDefault: false,
        jsonData: {
          // The AWS SDK default credential chain: the IAM role of the Grafana host or pod
          // (seed §8.1), never keys in this file.
          authType: 'default',
          defaultRegion: PROVISIONING_ENV.region,
          useServerless: true,
          workgroupName: PROVISIONING_ENV.workgroup,
          database: PROVISIONING_ENV.database,
        },
      },
    ],
  };
}

/** The dashboard provisioning document: one file provider per folder (seed §2.3, §8.2). */
export function dashboardProvisioning(folders: readonly GrafanaFolder[]): YamlValue {
  return {
    apiVersion: 1,
    providers: folders.map((f) => ({
      name: f.uid,
      orgId: 1,
      folder: f.title,
      folderUid: f.uid,
      type: 'file',
      // The TypeScript sources are the truth: edits in the UI could not be saved back.
      disableDeletion: true,
      allowUiUpdates: false,
      updateIntervalSeconds: 60,
      options: { path: `${PROVISIONING_ENV.dashboardsDir}/${f.uid}`, foldersFromFilesStructure: false },
    })),
  };
}
