/**
 * Named steps of a SQL model file (`-- step: name` sections), with identifiers rendered from specs
 * and each statement registered under its model name so a failure names the file.
 */
import { namedSteps, registerModel, renderIdentifiers, sqlFile } from '@recon/sql';
import { WarehouseError } from '../errors.ts';

const cache = new Map<string, Map<string, string>>();

/**
 * The steps of `model` (a path under packages/sql, e.g. 'runs/record_run.sql'), rendered with
 * `vars` (identifiers from specs only). Returns a lookup that throws for an unknown step.
 */
export function modelSteps(
  model: string,
  vars: Record<string, string | readonly string[]> = {},
): (name: string) => string {
  const key = `${model}\u0000${JSON.stringify(vars)}`;
  let steps = cache.get(key);
  if (!steps) {
    steps = new Map();
    const text = Object.keys(vars).length ? renderIdentifiers(sqlFile(model), vars) : sqlFile(model);
    for (const step of namedSteps(text)) {
      registerModel(step.sql, model);
      steps.set(step.name, step.sql);
    }
    cache.set(key, steps);
  }
  const found = steps;
  return (name) => {
    const sql = found.get(name);
    if (sql === undefined)
      throw new WarehouseError(`model ${model} has no step ${name}`, { context: { model } });
    return sql;
  };
}
