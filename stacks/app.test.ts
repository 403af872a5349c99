import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import config from '../sst.config.ts';
import { synthApp } from './synth.ts';

describe('sst.config', () => {
  it('names the app and defaults the region to us-east-1', async () => {
    expect(await config.config({})).toEqual({ name: 'revenue-reconciliation', region: 'us-east-1' });
  });

  it('takes the region from the stage configuration when given', async () => {
    expect(await config.config({ stage: 'prod', region: 'eu-west-1' })).toMatchObject({
      region: 'eu-west-1',
    });
  });

  it('chains the stacks, each named after the stage', async () => {
    const names = await synthApp(
      'test',
      (app) => config.stacks(app),
      (app) => app.node.children.filter((c) => c instanceof Stack).map((s) => s.stackName),
    );
    expect(names).toEqual([
      'test-revenue-reconciliation-Storage',
      'test-revenue-reconciliation-Params',
      'test-revenue-reconciliation-Monitoring',
    ]);
  });
});
