import { tmpdir } from 'node:os';
import {
  GetParametersByPathCommand as GetParametersByPathCommandSdk,
  type GetParametersByPathCommandInput,
  type GetParametersByPathCommandOutput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { ExecuteStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MysqlConnectionConfig } from '../../core/src/sources/mysql.ts';
import { sourceTable, type SourceId } from '../../core/src/sources/spec.ts';
import type { SourceReader } from '../../core/src/sources/types.ts';
import type { ObjectStore } from '../../core/src/staging/object-store.ts';
import { fakeDataApi } from '../../core/src/warehouse/fake-data-api.ts';
import type { Warehouse } from '../../core/src/warehouse/types.ts';
import type { WatermarkStore } from '../../core/src/warehouse/watermarks.ts';
import {
  beginInvocation,
  COPY_ROLE_ENV,
  createAwsRuntime,
  endInvocation,
  loadAwsSettings,
  parameterPath,
  mysqlConfigFromSecret,
  parameterKey,
  parametersMaxAge,
  redactSecrets,
  WAREHOUSE_STOP_MARGIN_MS,
  warehouseDeadline,
  wecomWebhooks,
} from './aws-runtime.ts';

/*
 * @aws-sdk/client-ssm (3.699) is typed against older @smithy types than aws-sdk-client-mock; the
 * runtime contract is the same, so the stub and the command are re-typed once here.
 */
const ssm = mockClient(SSMClient as never) as unknown as AwsStub<
  GetParametersByPathCommandInput,
  GetParametersByPathCommandOutput,
  unknown
>;
const GetParametersByPathCommand = GetParametersByPathCommandSdk as unknown as new (
  input: GetParametersByPathCommandInput,
) => Parameters<typeof ssm.send>[0];
const sm = mockClient(SecretsManagerClient);
const redshift = mockClient(RedshiftDataClient);

beforeEach(() => {
  ssm.reset();
  sm.reset();
  redshift.reset();
  vi.stubEnv('AWS_REGION', 'us-east-1');
});
afterEach(() => vi.unstubAllEnvs());

const warn = () => ({ warn: vi.fn<(message: string, attributes: Record<string, string>) => void>() });

/** Two pages of GetParametersByPath under /recon/. */
function twoPages(l1 = '0.02') {
  ssm
    .on(GetParametersByPathCommand, { Path: '/recon/', NextToken: undefined })
    .resolves({
      Parameters: [{ Name: '/recon/thresholds/l1_amount_tolerance', Value: l1 }],
      NextToken: 'page-2',
    })
    .on(GetParametersByPathCommand, { Path: '/recon/', NextToken: 'page-2' })
    .resolves({
      Parameters: [
        { Name: '/recon/config/extraction_lookback_days', Value: '5' },
        { Name: '/recon/thresholds/stripe_fee_max', Value: '9.00' },
        { Name: '/recon/misc/unknown_knob', Value: 'x' },
        { Name: '/recon/alerting/wecom_warning_webhook', Value: 'https://hook.example/secret' },
      ],
    });
}

describe('SSM parameters → settings', () => {
  it('maps the last segment snake_case → camelCase', () => {
    expect(parameterKey('/recon/thresholds/l1_amount_tolerance')).toBe('l1AmountTolerance');
    expect(parameterKey('config/l3_variance_tolerance_pct')).toBe('l3VarianceTolerancePct');
  });

  it('reads every page recursively under /recon/, applies the values over the defaults and ignores unknown parameters with a warning', async () => {
    twoPages();
    const logger = warn();
    const settings = await loadAwsSettings({}, { parameters: new SSMProvider(), logger });
    expect(settings.l1AmountTolerance).toBe('0.02');
    expect(settings.extractionLookbackDays).toBe(5);
    expect(settings.stripeFeeMax).toBe('9.00');
    expect(settings.l2AmountTolerance).toBe('0.05'); // default
    const calls = ssm.commandCalls(GetParametersByPathCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toMatchObject({ Path: '/recon/', Recursive: true });
    expect(logger.warn).toHaveBeenCalledTimes(1); // the webhook is known, not a warning
    expect(logger.warn.mock.calls[0]![1]).toEqual({ parameter: '/recon/misc/unknown_knob' });
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain('hook.example');
  });

  it('reads the stage path RECON_PARAMETER_ROOT names (a non-prod stage)', async () => {
    ssm.on(GetParametersByPathCommand, { Path: '/dev/recon/' }).resolves({
      Parameters: [{ Name: '/dev/recon/thresholds/l1_amount_tolerance', Value: '0.07' }],
    });
    const settings = await loadAwsSettings(
      { RECON_PARAMETER_ROOT: '/dev/recon' },
      { parameters: new SSMProvider(), logger: warn() },
    );
    expect(settings.l1AmountTolerance).toBe('0.07');
    expect(ssm.commandCalls(GetParametersByPathCommand)[0]!.args[0].input).toMatchObject({
      Path: '/dev/recon/',
    });
    expect(parameterPath({})).toBe('/recon/');
    expect(() => parameterPath({ RECON_PARAMETER_ROOT: 'recon' })).toThrow(
      /RECON_PARAMETER_ROOT must be a parameter path/,
    );
  });

  it('fails naming the parameter when a value is invalid', async () => {
    twoPages('not-a-number');
    const err = loadAwsSettings({}, { parameters: new SSMProvider(), logger: warn() });
    await expect(err).rejects.toThrow(/invalid SSM parameter \/recon\/thresholds\/l1_amount_tolerance/);
    await expect(err).rejects.toMatchObject({ name: 'SettingsError' });
  });

  it('caches for RECON_PARAMETERS_MAX_AGE_SECONDS; 0 re-reads every run (a change applies without a deploy)', async () => {
    twoPages();
    const provider = new SSMProvider();
    await loadAwsSettings({}, { parameters: provider, logger: warn() });
    await loadAwsSettings({}, { parameters: provider, logger: warn() });
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(2); // one read, two pages

    ssm.reset();
    twoPages('0.03');
    const fresh = new SSMProvider();
    const env = { RECON_PARAMETERS_MAX_AGE_SECONDS: '0' };
    expect((await loadAwsSettings(env, { parameters: fresh, logger: warn() })).l1AmountTolerance).toBe(
      '0.03',
    );
    ssm.reset();
    twoPages('0.04');
    expect((await loadAwsSettings(env, { parameters: fresh, logger: warn() })).l1AmountTolerance).toBe(
      '0.04',
    );
  });

  it('bounds the cache TTL to 5 minutes', () => {
    expect(parametersMaxAge({})).toBe(60);
    expect(parametersMaxAge({ RECON_PARAMETERS_MAX_AGE_SECONDS: '300' })).toBe(300);
    expect(() => parametersMaxAge({ RECON_PARAMETERS_MAX_AGE_SECONDS: '301' })).toThrow(
      /RECON_PARAMETERS_MAX_AGE_SECONDS/,
    );
  });
});

describe('Secrets Manager secret → MySQL config', () => {
  const rds = {
    host: 'db.internal',
    port: 3306,
    username: 'recon',
    password: 'S3cr3t!pw',
    dbname: 'orders_db',
  };

  it('maps the RDS secret JSON', () => {
    expect(mysqlConfigFromSecret('salesorder', JSON.stringify(rds), 'X')).toEqual({
      host: 'db.internal',
      port: 3306,
      user: 'recon',
      password: 'S3cr3t!pw',
      database: 'orders_db',
    });
  });

  it('accepts a text port and defaults dbname to the source database', () => {
    const { dbname: _omit, ...rest } = rds;
    const c = mysqlConfigFromSecret('salespayment', JSON.stringify({ ...rest, port: '3307' }), 'X');
    expect(c).toMatchObject({ port: 3307, database: 'luckyus_sales_payment' });
  });

  it('names the missing field and the variable, never a value', () => {
    const bad = JSON.stringify({ ...rds, host: '' });
    expect(() => mysqlConfigFromSecret('salesorder', bad, 'RECON_SALESORDER_SECRET_ARN')).toThrow(
      'secret of RECON_SALESORDER_SECRET_ARN has no host',
    );
    const thrown = (secret: string): Error => {
      try {
        mysqlConfigFromSecret('salesorder', secret, 'L');
      } catch (error) {
        return error as Error;
      }
      throw new Error('expected a failure');
    };
    const badPort = thrown(JSON.stringify({ ...rds, port: 'x' }));
    expect(badPort).toMatchObject({
      name: 'ConnectionConfigError',
      message: 'secret of L has an invalid port',
    });
    const notJson = thrown('not json S3cr3t');
    expect(notJson.message).toMatch(/^secret of L is not JSON;/);
    expect(notJson.message).not.toContain('S3cr3t');
  });
});

describe('createAwsRuntime', () => {
  const env = {
    RECON_STAGING_URL: 's3://recon-bucket/staging',
    RECON_REDSHIFT_WORKGROUP: 'recon-wg',
    RECON_REDSHIFT_DATABASE: 'recon',
    RECON_SALESORDER_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:so',
  };
  const fakes = {
    staging: {} as ObjectStore,
    warehouse: {} as Warehouse,
    watermarks: {} as WatermarkStore,
  };

  it('opens connections once, reads settings per call and MySQL credentials from the secret on first read', async () => {
    twoPages();
    sm.on(GetSecretValueCommand, { SecretId: env.RECON_SALESORDER_SECRET_ARN }).resolves({
      SecretString: JSON.stringify({
        host: 'h',
        port: 3306,
        username: 'u',
        password: 'pw-1234',
        dbname: 'so',
      }),
    });
    const opened: MysqlConnectionConfig[] = [];
    const openReader = (source: SourceId, config: MysqlConnectionConfig): SourceReader => {
      opened.push(config);
      return {
        source,
        async *readPartition() {
          yield [['1']];
        },
        close: async () => undefined,
      };
    };
    const runtime = createAwsRuntime(env, {
      ...fakes,
      parameters: new SSMProvider(),
      secrets: new SecretsProvider(),
      logger: warn(),
      openReader,
    });
    const rt = await runtime();
    expect(rt.settings.l1AmountTolerance).toBe('0.02');
    expect(rt.calendar).toBeDefined();
    expect(rt.staging).toBe(fakes.staging);
    expect(rt.tmpDir.startsWith(tmpdir())).toBe(true);
    const rt2 = await runtime();
    expect(rt2.tmpDir).toBe(rt.tmpDir);
    expect(rt2.reader('salesorder')).toBe(rt.reader('salesorder'));
    expect(opened).toHaveLength(0); // lazy: no secret read until a partition is read

    const spec = sourceTable('t_order');
    for (let i = 0; i < 2; i++) {
      const rows = [];
      for await (const batch of rt.reader('salesorder').readPartition(spec, { from: 'a', to: 'b' }))
        rows.push(batch);
      expect(rows).toEqual([[['1']]]);
    }
    expect(opened).toEqual([{ host: 'h', port: 3306, user: 'u', password: 'pw-1234', database: 'so' }]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1); // cached
    expect(redactSecrets('login failed for pw-1234')).toBe('login failed for ***');
  });

  it('fails naming a missing variable', async () => {
    twoPages();
    await expect(createAwsRuntime({}, { logger: warn() })()).rejects.toThrow(
      'environment variable RECON_STAGING_URL is not set',
    );
    const rt = await createAwsRuntime(env, { ...fakes, parameters: new SSMProvider(), logger: warn() })();
    const read = async () => {
      for await (const _ of rt
        .reader('ifiaccounting')
        .readPartition(sourceTable('t_order'), { from: 'a', to: 'b' }));
    };
    await expect(read()).rejects.toThrow('RECON_IFIACCOUNTING_SECRET_ARN');
  });

  it("stops the warehouse's statements at the invocation's deadline, and only during an invocation", async () => {
    twoPages();
    const api = fakeDataApi(redshift);
    const rt = await createAwsRuntime(env, {
      staging: fakes.staging,
      watermarks: fakes.watermarks,
      parameters: new SSMProvider(),
      logger: warn(),
    })();
    try {
      // An invocation that started 100 s ago with 60 s to run: its warehouse time is over.
      const started = Date.now() - 100_000;
      beginInvocation(60_000, started);
      expect(warehouseDeadline()).toBe(started + 60_000 - 15_000);
      await expect(rt.warehouse.execute('DELETE FROM recon.t')).rejects.toThrow(
        /^redshift statement not sent: the invocation's time for warehouse statements ran out \d+ ms ago$/,
      );
      expect(api.inputs()).toHaveLength(0);
      // A long invocation keeps WAREHOUSE_STOP_MARGIN_MS back; a statement in time is sent.
      const now = Date.now();
      beginInvocation(900_000, now);
      expect(warehouseDeadline()).toBe(now + 900_000 - WAREHOUSE_STOP_MARGIN_MS);
      await rt.warehouse.execute('DELETE FROM recon.t');
      expect(api.inputs().map((i) => i.Sql)).toEqual(['DELETE FROM recon.t']);
    } finally {
      endInvocation();
    }
    expect(warehouseDeadline()).toBeUndefined();
  });

  it('gives the warehouse the COPY role of RECON_REDSHIFT_COPY_ROLE_ARN for the staging load', async () => {
    twoPages();
    const api = fakeDataApi(redshift, (sql) =>
      sql.startsWith('SELECT pg_last_copy_count')
        ? { columns: [{ name: 'n', typeName: 'int8' }], records: [[{ longValue: 5 }]] }
        : {},
    );
    const role = 'arn:aws:iam::123456789012:role/recon-redshift-copy';
    const rt = await createAwsRuntime(
      { ...env, [COPY_ROLE_ENV]: role },
      { staging: fakes.staging, watermarks: fakes.watermarks, parameters: new SSMProvider(), logger: warn() },
    )();
    const n = await rt.warehouse.transaction((tx) =>
      tx.copyParquetObject('tmp_t', ['a'], 's3://recon-bucket/staging/load/x.parquet'),
    );
    expect(n).toBe(5);
    expect(api.inputs()[1]?.Sql).toBe(
      `COPY tmp_t FROM 's3://recon-bucket/staging/load/x.parquet' IAM_ROLE '${role}' FORMAT AS PARQUET`,
    );
  });

  it('fails a COPY without RECON_REDSHIFT_COPY_ROLE_ARN naming it, and a malformed one when opening', async () => {
    twoPages();
    fakeDataApi(redshift);
    const deps = {
      staging: fakes.staging,
      watermarks: fakes.watermarks,
      parameters: new SSMProvider(),
      logger: warn(),
    };
    const rt = await createAwsRuntime(env, deps)();
    await expect(
      rt.warehouse.transaction((tx) =>
        tx.copyParquetObject('tmp_t', ['a'], 's3://recon-bucket/staging/x.parquet'),
      ),
    ).rejects.toThrow('redshift COPY into tmp_t needs an IAM role for S3: set RECON_REDSHIFT_COPY_ROLE_ARN');
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);

    const malformed = createAwsRuntime(
      { ...env, [COPY_ROLE_ENV]: 'arn:aws:iam::123456789012:user/SeCrEt-x' },
      deps,
    )();
    const error = await malformed.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConnectionConfigError' });
    expect((error as Error).message).toMatch(/^RECON_REDSHIFT_COPY_ROLE_ARN is not an IAM role ARN/);
    expect((error as Error).message).not.toContain('SeCrEt');
  });

  it('builds the S3, DynamoDB and Redshift Data adapters from the environment', async () => {
    twoPages();
    const rt = await createAwsRuntime(env, { parameters: new SSMProvider(), logger: warn() })();
    expect(rt.staging.url).toBe('s3://recon-bucket/staging');
    expect(rt.warehouse.dialect.name).toMatch(/redshift/i);
  });
});

describe('WeCom webhooks from SecureString parameters', () => {
  it('reads both channels under the stage path, decrypted; a missing one is left unset with a warning naming it', async () => {
    const asked: { name: string; decrypt: boolean }[] = [];
    const parameters = {
      getMultiple: async () => ({}),
      get: async (name: string, options: { decrypt: boolean; maxAge: number }) => {
        asked.push({ name, decrypt: options.decrypt });
        if (name.endsWith('wecom_critical_webhook'))
          return ' https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1 ';
        throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
      },
    };
    const logger = warn();
    const hooks = await wecomWebhooks({ RECON_PARAMETER_ROOT: '/dev/recon' }, parameters, logger);
    expect(hooks).toEqual({ critical: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1' });
    expect(asked).toEqual([
      { name: '/dev/recon/alerting/wecom_critical_webhook', decrypt: true },
      { name: '/dev/recon/alerting/wecom_warning_webhook', decrypt: true },
    ]);
    expect(logger.warn.mock.calls).toEqual([
      [
        'WeCom webhook parameter not readable',
        { parameter: '/dev/recon/alerting/wecom_warning_webhook', error: 'ParameterNotFound' },
      ],
    ]);
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain('key=');
    // Read webhooks join the secrets scrubbed from every logged error.
    expect(redactSecrets('POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1 failed')).toBe(
      'POST *** failed',
    );
  });

  it('scrubs a webhook key wherever it appears once the webhook was read', async () => {
    const parameters = {
      getMultiple: async () => ({}),
      get: async () => 'https://hook.example/send?key=wk-7f3a9c1e',
    };
    await wecomWebhooks({ RECON_PARAMETER_ROOT: '/dev/recon' }, parameters, warn());
    expect(redactSecrets('rejected key wk-7f3a9c1e')).toBe('rejected key ***');
  });
});
