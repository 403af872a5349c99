import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Storage, watermarkTableName } from './Storage.ts';
import { synthStack } from './synth.ts';

describe('Storage stack', () => {
  let template: Template;
  let prod: Template;

  beforeAll(async () => {
    template = await synthStack('test', Storage);
    prod = await synthStack('prod', Storage);
  });

  describe('staging bucket', () => {
    it('encrypts objects with S3-managed keys', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      });
    });

    it('blocks all public access and disables ACLs', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
    });

    it('denies requests that are not over TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('moves objects to Glacier after 90 days and expires them after 365', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Status: 'Enabled',
              Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }],
              ExpirationInDays: 365,
            }),
          ],
        },
      });
    });

    it('is emptied and deleted with a test stage but retained in prod', () => {
      template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
      prod.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    });
  });

  describe('watermark table', () => {
    it('is keyed by source_name (hash) and table_name (range), both strings', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: 'test-recon-etl-watermarks',
        KeySchema: [
          { AttributeName: 'source_name', KeyType: 'HASH' },
          { AttributeName: 'table_name', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayEquals([
          { AttributeName: 'source_name', AttributeType: 'S' },
          { AttributeName: 'table_name', AttributeType: 'S' },
        ]),
      });
    });

    it('bills on demand with point-in-time recovery', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        ProvisionedThroughput: Match.absent(),
      });
    });

    it('keeps the seed name recon-etl-watermarks in prod and is retained there', () => {
      expect(watermarkTableName('prod')).toBe('recon-etl-watermarks');
      prod.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ TableName: 'recon-etl-watermarks' }),
      });
      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    });
  });
});
