/**
 * Reading the deployed state machine back out of a synthesized CloudFormation template: its
 * definition text with the `definitionSubstitutions` resolved the way CloudFormation would, each
 * function reference (`Fn::GetAtt [<logical id>, Arn]`) becoming a Lambda ARN named after the
 * function's logical id. Tests compare it with the core definition and execute it locally.
 */

/** JSON as it appears in a template. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The account and region of the stand-in ARNs. */
const ARN_PREFIX = 'arn:aws:lambda:us-east-1:123456789012:function:';

/** Resolve the intrinsic functions a definition string may be built with (`Fn::Join`, literals). */
function resolveText(value: Json): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value) && 'Fn::Join' in value) {
    const [sep, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map(resolveText).join(sep);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in the state machine definition`);
}

/** A substitution value: a function's ARN (by GetAtt or Ref) or a literal. */
function resolveArn(value: Json): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if ('Fn::GetAtt' in value) {
      const [id, attr] = value['Fn::GetAtt'] as [string, string];
      if (attr !== 'Arn') throw new Error(`unexpected attribute ${attr} of ${id}`);
      return `${ARN_PREFIX}${id}`;
    }
    if ('Ref' in value) return `${ARN_PREFIX}${String(value.Ref)}`;
  }
  throw new Error(`cannot resolve substitution ${JSON.stringify(value)}`);
}

/**
 * The one state machine of `template` (a `Template.toJSON()` object), with substitutions resolved.
 * @returns `definition` (parsed ASL) and `arns` (substitution key → stand-in ARN)
 * @throws Error when the template has no or several state machines, or a placeholder is unresolved
 */
export function deployedDefinition(template: Record<string, unknown>): {
  definition: { [key: string]: Json };
  arns: Record<string, string>;
} {
  const machines = Object.values(
    (template.Resources ?? {}) as Record<string, { Type: string; Properties?: Json }>,
  ).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const props = machines[0]!.Properties as {
    DefinitionString: Json;
    DefinitionSubstitutions?: Record<string, Json>;
  };
  const arns = Object.fromEntries(
    Object.entries(props.DefinitionSubstitutions ?? {}).map(([key, value]) => [key, resolveArn(value)]),
  );
  const text = resolveText(props.DefinitionString).replace(/\$\{(\w+)\}/g, (whole, key: string) => {
    const arn = arns[key];
    if (arn === undefined) throw new Error(`no substitution for ${whole}`);
    return arn;
  });
  return { definition: JSON.parse(text) as { [key: string]: Json }, arns };
}
