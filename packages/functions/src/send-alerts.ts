/** Lambda handler of the `SendAlerts` Task state: {@link sendAlerts} over the AWS runtime (webhooks from SecureString parameters). */
import { sendAlerts } from '../../core/src/pipeline/tasks.ts';
import { taskHandler } from './handler.ts';

export const handler = taskHandler('SendAlerts', sendAlerts);
