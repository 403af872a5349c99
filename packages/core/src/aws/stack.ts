/**
 * Finding a stage's deployed state machine: from the CloudFormation outputs of the stage's
 * Pipeline stack, never from a hard-coded ARN, so every stage (and every redeploy that replaces
 * the state machine) is found the same way.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { UsageError } from '../errors.ts';
import { AwsOperationError, awsCall, type Clock } from './sdk.ts';

/** The SST app name (sst.config.ts). */
export const APP_NAME = 'revenue-reconciliation';
/** The id of the stack that holds the state machine. */
export const PIPELINE_STACK_ID = 'Pipeline';
/** The stack output holding the state machine's ARN. */
export const STATE_MACHINE_OUTPUT = 'StateMachineArn';

// A CloudFormation stack name starts with a letter and has at most 128 characters; the stage is
// the first part of `<stage>-revenue-reconciliation-Pipeline`, which leaves 96 for it.
const STAGE_RE = /^[A-Za-z][A-Za-z0-9-]{0,95}$/;

/**
 * Validate a stage name given by a user: letters, digits and `-`, starting with a letter.
 * @throws UsageError naming `--stage` and the value.
 */
export function parseStage(value: string): string {
  if (!STAGE_RE.test(value)) {
    throw new UsageError(
      `invalid --stage "${value}": a stage name has only letters, digits and "-", starts with a letter, and has at most 96 characters`,
    );
  }
  return value;
}

/** The CloudFormation stack of a stage's pipeline (SST v2 naming `<stage>-<app>-<stackId>`). */
export function pipelineStackName(stage: string): string {
  return `${stage}-${APP_NAME}-${PIPELINE_STACK_ID}`;
}

async function regionOf(client: CloudFormationClient): Promise<string | undefined> {
  try {
    const region = client.config.region;
    return typeof region === 'function' ? await region() : region;
  } catch {
    // Unresolvable region: the DescribeStacks error itself says so.
    return undefined;
  }
}

/**
 * The ARN of the stage's state machine, from the `StateMachineArn` output of its Pipeline stack.
 * @throws AwsOperationError naming the stage and the stack (and how to deploy it) when the stack
 *   or the output is missing; translated SDK errors otherwise.
 */
export async function findStateMachineArn(
  client: CloudFormationClient,
  stage: string,
  clock: Pick<Clock, 'sleep'>,
): Promise<string> {
  const stackName = pipelineStackName(stage);
  const deploy = `deploy it with \`npx sst deploy --stage ${stage}\``;
  const region = await regionOf(client);
  const where = region ? ` in ${region}` : '';
  const result = await awsCall(
    'DescribeStacks',
    () => client.send(new DescribeStacksCommand({ StackName: stackName })),
    {
      clock,
      // CloudFormation answers a missing stack with a ValidationError "Stack with id … does not exist".
      explain: (name, message) =>
        name === 'ValidationError' && /does not exist/i.test(message)
          ? `stage "${stage}" is not deployed: there is no CloudFormation stack ${stackName}${where}; ${deploy}`
          : undefined,
    },
  );
  const stack = result.Stacks?.[0];
  if (!stack) {
    throw new AwsOperationError(
      `stage "${stage}" is not deployed: there is no CloudFormation stack ${stackName}${where}; ${deploy}`,
      { context: { stage, stackName } },
    );
  }
  const arn = stack.Outputs?.find((o) => o.OutputKey === STATE_MACHINE_OUTPUT)?.OutputValue;
  if (!arn || !/^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[^:\s]+$/.test(arn)) {
    const status = stack.StackStatus ? ` (stack status ${stack.StackStatus})` : '';
    const found = arn ? ` holds "${arn}", not a state machine ARN` : ' is missing';
    throw new AwsOperationError(
      `stage "${stage}": output ${STATE_MACHINE_OUTPUT} of stack ${stackName}${found}${status}; ${deploy}`,
      { context: { stage, stackName } },
    );
  }
  return arn;
}
