import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Bucket, type StackContext, Table } from 'sst/constructs';

/** Stages whose data is disposable: their bucket and table are destroyed with the stack. */
const EPHEMERAL_STAGES: ReadonlySet<string> = new Set(['dev', 'test']);

/** The stage that owns the unprefixed watermark table name of seed §9.3. */
const PRODUCTION_STAGE = 'prod';

/** Whether a stage's storage is disposable (destroyed on removal) rather than retained. */
export function isEphemeralStage(stage: string): boolean {
  return EPHEMERAL_STAGES.has(stage);
}

/**
 * Physical name of the watermark table (seed §9.3): `recon-etl-watermarks` in production,
 * `<stage>-recon-etl-watermarks` elsewhere so stages can share an account.
 */
export function watermarkTableName(stage: string): string {
  return stage === PRODUCTION_STAGE ? 'recon-etl-watermarks' : `${stage}-recon-etl-watermarks`;
}

/**
 * Storage stack: the Parquet staging bucket (seed §9.2 layout, `staging/reconciliation/…` prefixes)
 * and the DynamoDB extraction watermark table (seed §9.3).
 *
 * @returns `bucket` (SST `Bucket`) and `watermarks` (SST `Table`) for later stacks to `use(Storage)` and bind.
 */
export function Storage({ stack, app }: StackContext) {
  const ephemeral = isEphemeralStage(app.stage);
  const removalPolicy = ephemeral ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

  const bucket = new Bucket(stack, 'Staging', {
    cors: false,
    cdk: {
      bucket: {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        versioned: false,
        lifecycleRules: [
          {
            id: 'archive-then-expire',
            enabled: true,
            transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) }],
            expiration: Duration.days(365),
          },
        ],
        removalPolicy,
        // A destroyed bucket must be emptied first, or stack removal fails.
        autoDeleteObjects: ephemeral,
      },
    },
  });

  const watermarks = new Table(stack, 'Watermarks', {
    fields: { source_name: 'string', table_name: 'string' },
    primaryIndex: { partitionKey: 'source_name', sortKey: 'table_name' },
    cdk: {
      table: {
        tableName: watermarkTableName(app.stage),
        // SST's Table already passes the (deprecated) `pointInTimeRecovery` flag; CDK rejects it
        // together with `pointInTimeRecoverySpecification`, so the same flag is stated here.
        pointInTimeRecovery: true,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        removalPolicy,
      },
    },
  });

  stack.addOutputs({
    StagingBucketName: bucket.bucketName,
    WatermarkTableName: watermarks.tableName,
  });

  return { bucket, watermarks };
}
