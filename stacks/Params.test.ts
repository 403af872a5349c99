import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { SETTING_KEYS, type SettingKey, settingsSchema } from '../packages/core/src/settings.ts';
import {
  PARAMETER_GROUPS,
  Params,
  parameterName,
  parameterRoot,
  secureParameterNames,
  snakeCaseOf,
} from './Params.ts';
import { synthStack } from './synth.ts';

/** The String parameters of seed Appendix B, with their seed defaults. */
const SEED_APPENDIX_B: Readonly<Record<string, string>> = {
  '/recon/thresholds/l1_amount_tolerance': '0.01',
  '/recon/thresholds/l1_match_rate_critical': '90',
  '/recon/thresholds/l1_match_rate_warning': '95',
  '/recon/thresholds/l2_amount_tolerance': '0.05',
  '/recon/thresholds/l2_match_rate_critical': '95',
  '/recon/thresholds/l3_variance_tolerance_pct': '2.0',
  '/recon/thresholds/l3_match_rate_warning': '50',
  '/recon/thresholds/stripe_fee_min': '2.00',
  '/recon/thresholds/stripe_fee_max': '8.00',
  '/recon/thresholds/stripe_fee_avg': '4.66',
  '/recon/thresholds/payment_delay_warning_hours': '2',
  '/recon/thresholds/payment_delay_critical_hours': '24',
  '/recon/thresholds/refund_stuck_threshold_hours': '72',
  '/recon/thresholds/anomaly_spike_multiplier': '2.0',
  '/recon/thresholds/dq_null_rate_max_pct': '1.0',
  '/recon/thresholds/dq_duplicate_rate_max_pct': '0.1',
  '/recon/thresholds/orphan_trade_age_hours': '4',
  '/recon/thresholds/sync_delay_warning_hours': '6',
  '/recon/thresholds/sync_delay_critical_hours': '24',
  '/recon/thresholds/accounting_gap_tolerance': '0.50',
  '/recon/config/pipeline_sla_warning_min': '70',
  '/recon/config/pipeline_sla_critical_min': '90',
  '/recon/config/anomaly_scan_sla_min': '15',
  '/recon/config/extraction_lookback_days': '3',
  '/recon/config/dead_letter_retention_days': '30',
  '/recon/config/mv_refresh_schedule': 'cron(0 7 * * ? *)',
  '/recon/config/report_schedule': 'cron(0 8 * * ? *)',
  '/recon/config/backfill_max_days': '90',
  '/recon/alerting/email_recipients': 'finance-ops@luckincoffeeusa.com',
  '/recon/ai/enable_ml_scoring': 'false',
  '/recon/ai/confidence_threshold': '0.7',
};

/** Name → value of every AWS::SSM::Parameter in a template. */
function parametersOf(template: Template): Map<string, { value: unknown; type: unknown; count: number }> {
  const found = new Map<string, { value: unknown; type: unknown; count: number }>();
  for (const resource of Object.values(template.findResources('AWS::SSM::Parameter'))) {
    const props = (resource as { Properties: { Name: string; Value: unknown; Type: unknown } }).Properties;
    const seen = found.get(props.Name);
    found.set(props.Name, { value: props.Value, type: props.Type, count: (seen?.count ?? 0) + 1 });
  }
  return found;
}

describe('Params stack', () => {
  let prod: Template;
  let test: Template;
  const defaults = settingsSchema.parse({});

  beforeAll(async () => {
    prod = await synthStack('prod', Params);
    test = await synthStack('test', Params);
  });

  describe('one parameter per setting', () => {
    it('holds every setting with a non-empty default exactly once, with that default as text', () => {
      const found = parametersOf(prod);
      const expected = SETTING_KEYS.filter((key) => String(defaults[key]) !== '');
      for (const key of expected) {
        const name = parameterName('prod', key);
        expect(found.get(name), name).toEqual({ value: String(defaults[key]), type: 'String', count: 1 });
      }
      expect(found.size).toBe(expected.length);
    });

    it('leaves only empty-default settings (modelEndpoint) uncreated, as Parameter Store rejects empty values', () => {
      const empty = SETTING_KEYS.filter((key) => String(defaults[key]) === '');
      expect(empty).toEqual(['modelEndpoint']);
      prod.resourcePropertiesCountIs('AWS::SSM::Parameter', { Name: '/recon/ai/model_endpoint' }, 0);
    });

    it('uses the seed Appendix B path and default for every String parameter the seed names', () => {
      const found = parametersOf(prod);
      for (const [name, value] of Object.entries(SEED_APPENDIX_B)) {
        expect(found.get(name)?.value, name).toBe(value);
      }
    });

    it('files the product settings consistently under thresholds or config', () => {
      const found = parametersOf(prod);
      expect(found.get('/recon/thresholds/l3_amount_tolerance')?.value).toBe('1.00');
      expect(found.get('/recon/thresholds/dq_row_count_warn_pct')?.value).toBe('5');
      expect(found.get('/recon/thresholds/dq_row_count_fail_pct')?.value).toBe('20');
      expect(found.get('/recon/thresholds/dq_amount_max')?.value).toBe('10000');
      expect(found.get('/recon/thresholds/dq_freshness_warn_hours')?.value).toBe('6');
      expect(found.get('/recon/thresholds/dq_freshness_fail_hours')?.value).toBe('24');
      expect(found.get('/recon/config/extraction_overlap_minutes')?.value).toBe('60');
      expect(found.get('/recon/config/extraction_slice_hours')?.value).toBe('24');
      expect(found.get('/recon/config/business_time_zone')?.value).toBe('America/New_York');
    });
  });

  describe('names', () => {
    it('ends every name with the snake_case of its setting key, which maps back to the key', () => {
      for (const key of SETTING_KEYS) {
        const last = parameterName('prod', key).split('/').at(-1)!;
        expect(last).toBe(snakeCaseOf(key));
        const camel = last.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
        expect(camel).toBe(key);
      }
      expect(snakeCaseOf('l1AmountTolerance')).toBe('l1_amount_tolerance');
    });

    it('places every setting in one seed folder', () => {
      expect(Object.keys(PARAMETER_GROUPS).sort()).toEqual([...SETTING_KEYS].sort());
      const groups = new Set<string>(Object.values(PARAMETER_GROUPS));
      expect([...groups].sort()).toEqual(['ai', 'alerting', 'config', 'thresholds']);
    });

    it('keeps /recon for prod and roots other stages at /<stage>/recon so stages never overlap', () => {
      expect(parameterRoot('prod')).toBe('/recon');
      expect(parameterRoot('test')).toBe('/test/recon');
      const key: SettingKey = 'l1AmountTolerance';
      test.hasResourceProperties('AWS::SSM::Parameter', {
        Name: '/test/recon/thresholds/l1_amount_tolerance',
        Value: String(defaults[key]),
      });
      for (const name of parametersOf(test).keys()) expect(name.startsWith('/test/recon/')).toBe(true);
    });
  });

  describe('secrets', () => {
    it('creates no SecureString (CloudFormation cannot) and no webhook parameter', () => {
      for (const { type } of parametersOf(prod).values()) expect(type).toBe('String');
      prod.resourcePropertiesCountIs('AWS::SSM::Parameter', { Type: 'SecureString' }, 0);
      prod.resourcePropertiesCountIs('AWS::SSM::Parameter', { Name: Match.stringLikeRegexp('webhook') }, 0);
    });

    it('names the out-of-band WeCom webhooks at their seed paths', () => {
      expect(secureParameterNames('prod')).toEqual([
        '/recon/alerting/wecom_warning_webhook',
        '/recon/alerting/wecom_critical_webhook',
      ]);
      expect(secureParameterNames('test')[0]).toBe('/test/recon/alerting/wecom_warning_webhook');
    });
  });

  it('creates parameters in five chains so SSM does not throttle the deployment', () => {
    const withDeps = Object.values(prod.findResources('AWS::SSM::Parameter')).filter((r) =>
      Array.isArray((r as { DependsOn?: unknown }).DependsOn),
    );
    expect(withDeps.length).toBe(parametersOf(prod).size - 5);
  });
});

describe('Params grantRead', () => {
  it('lets a role get and list the stage root and everything below it, nothing else', async () => {
    const template = await synthStack('test', (ctx) => {
      const { grantRead } = Params(ctx);
      grantRead(new Role(ctx.stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
    });
    const arn = (suffix: string) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, Match.stringLikeRegexp(`:ssm:us-east-1:.+:parameter${suffix}$`)],
      ],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
            Resource: [arn('/test/recon'), arn('/test/recon/\\*')],
          },
        ],
      },
    });
  });
});
