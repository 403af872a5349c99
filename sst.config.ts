import type { SSTConfig } from 'sst';
import { Monitoring } from './stacks/Monitoring.ts';
import { Params } from './stacks/Params.ts';
import { Pipeline } from './stacks/Pipeline.ts';
import { Reporting } from './stacks/Reporting.ts';
import { Storage } from './stacks/Storage.ts';

/** Region used when neither `--region` nor the stage configuration names one. */
const DEFAULT_REGION = 'us-east-1';

/**
 * SST v2 app definition for Revenue Reconciliation. Only chains stacks; each stack holds its own wiring.
 */
export default {
  config(input) {
    return {
      name: 'revenue-reconciliation',
      region: input.region ?? DEFAULT_REGION,
    };
  },
  stacks(app) {
    app.stack(Storage);
    app.stack(Params);
    app.stack(Pipeline);
    app.stack(Monitoring);
    app.stack(Reporting);
  },
} satisfies SSTConfig;
