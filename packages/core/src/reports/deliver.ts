/**
 * Writing a report's files, and sending a report: the WeCom markdown message (daily report) and
 * the email with its attachments through SES. Every channel given is attempted; a failure of one
 * does not stop the others, and the call then fails naming what was and was not delivered.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type EmailClient, sendEmail } from '../notify/email.ts';
import { NotifyConfigError, NotifyError } from '../notify/errors.ts';
import { postWecomMarkdown, type WecomPostOptions } from '../notify/wecom.ts';
import type { BuiltReport, ReportFormat } from './types.ts';

/**
 * Write the report's files into `dir` (created when missing), only those of `formats` when given.
 * Returns the absolute paths written, in the report's order.
 */
export async function writeReportFiles(
  report: BuiltReport,
  dir: string,
  formats?: readonly ReportFormat[],
): Promise<string[]> {
  const target = resolve(dir);
  await mkdir(target, { recursive: true });
  const paths: string[] = [];
  for (const artifact of report.artifacts) {
    if (formats && !formats.includes(artifact.format)) continue;
    const path = join(target, artifact.filename);
    await writeFile(path, artifact.content);
    paths.push(path);
  }
  return paths;
}

/** Where to send a report. */
export interface ReportChannels {
  /** WeCom webhook for the markdown message (reports that have one). */
  wecom?: { url: string; options?: WecomPostOptions };
  /** SES client, sender and recipients of the email. */
  email?: { client: EmailClient; from: string; to: readonly string[] };
}

/** What was delivered. */
export interface ReportDelivery {
  wecom?: { attempts: number };
  email?: { messageId: string | null; to: readonly string[] };
}

/**
 * Send `report` through every channel of `channels`.
 * @throws NotifyConfigError when no channel is given, or WeCom is given for a report without a
 *   markdown message; NotifyError when a channel failed (the message says which were delivered).
 */
export async function deliverReport(report: BuiltReport, channels: ReportChannels): Promise<ReportDelivery> {
  if (!channels.wecom && !channels.email) {
    throw new NotifyConfigError(`nowhere to send the ${report.kind} report: no WeCom webhook and no email`);
  }
  if (channels.wecom && report.wecomMarkdown === undefined) {
    throw new NotifyConfigError(`the ${report.kind} report has no WeCom message; send it by email`);
  }
  const delivered: ReportDelivery = {};
  const failures: string[] = [];
  if (channels.wecom && report.wecomMarkdown !== undefined) {
    const result = await postWecomMarkdown(channels.wecom.url, report.wecomMarkdown, channels.wecom.options);
    if (result.ok) delivered.wecom = { attempts: result.attempts };
    else failures.push(result.error ?? 'WeCom delivery failed');
  }
  if (channels.email) {
    try {
      const sent = await sendEmail(channels.email.client, {
        from: channels.email.from,
        to: channels.email.to,
        subject: report.email.subject,
        html: report.email.html,
        text: report.email.text,
        attachments: report.email.attachments.map((a) => ({
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
        })),
      });
      delivered.email = { messageId: sent.messageId, to: channels.email.to };
    } catch (error) {
      if (error instanceof NotifyConfigError) throw error;
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (failures.length > 0) {
    const ok = [delivered.wecom ? 'WeCom' : null, delivered.email ? 'email' : null].filter(Boolean);
    throw new NotifyError(
      `the ${report.kind} report ${report.period} was not fully delivered (${ok.length ? `delivered: ${ok.join(', ')}` : 'nothing delivered'}): ${failures.join('; ')}`,
      { context: { delivered } },
    );
  }
  return delivered;
}
