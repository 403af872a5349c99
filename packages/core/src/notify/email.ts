/**
 * Email through Amazon SES v2: the MIME message (HTML body, plain-text alternative, attachments)
 * is composed with nodemailer's MailComposer and sent as Raw content with SendEmail, over a
 * minimal client interface (the real `SESv2Client`, or a mock in tests). The region and
 * credentials are the SDK's own (environment, profile, Lambda role).
 */
import { SendEmailCommand, type SendEmailCommandOutput, SESv2Client } from '@aws-sdk/client-sesv2';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describeError } from '../errors.ts';
import { NotifyConfigError, NotifyError } from './errors.ts';

/** Environment variable naming the sender (From) of report emails, e.g. `Recon <recon@example.com>`. */
export const REPORT_SENDER_ENV = 'RECON_REPORT_SENDER';

/** What sending needs of an SES v2 client (satisfied by `SESv2Client`). */
export interface EmailClient {
  send(command: SendEmailCommand): Promise<SendEmailCommandOutput>;
}

/** One attachment: a file name, its bytes or text, and its MIME type. */
export interface EmailAttachment {
  filename: string;
  content: Buffer | string;
  contentType: string;
}

/** One email: sender, recipients, subject, HTML and plain-text bodies, attachments. */
export interface EmailMessage {
  from: string;
  to: readonly string[];
  subject: string;
  html: string;
  text: string;
  attachments: readonly EmailAttachment[];
}

const ADDRESS_RE = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;
const NAMED_RE = /^([^<>]*)<([^<>]+)>$/;

/** The address itself of `Recon <a@b.com>` (`a@b.com`), or the trimmed value when bare. */
export function bareAddress(value: string): string {
  const text = value.trim();
  const named = NAMED_RE.exec(text);
  return named ? named[2]!.trim() : text;
}

/**
 * Check one address, bare (`a@b.com`) or with a display name (`Recon <a@b.com>`).
 * @throws NotifyConfigError naming `what` and the address.
 */
export function checkAddress(value: string, what: string): string {
  const text = value.trim();
  if (!ADDRESS_RE.test(bareAddress(text))) {
    throw new NotifyConfigError(`${what}: "${text}" is not an email address such as finance-ops@example.com`);
  }
  return text;
}

/**
 * The recipients of the `emailRecipients` setting: addresses separated by commas or semicolons.
 * @throws NotifyConfigError when the list is empty or an address is malformed.
 */
export function parseRecipients(value: string, what = 'setting emailRecipients'): string[] {
  const parts = value
    .split(/[,;]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new NotifyConfigError(`${what} holds no email address`);
  return [...new Set(parts.map((p) => checkAddress(p, what)))];
}

/**
 * The sender of report emails from `RECON_REPORT_SENDER` (an address verified in SES).
 * @throws NotifyConfigError when it is unset or malformed.
 */
export function senderFromEnv(env: NodeJS.ProcessEnv): string {
  const value = env[REPORT_SENDER_ENV]?.trim();
  if (!value) {
    throw new NotifyConfigError(
      `sending email needs ${REPORT_SENDER_ENV}, the sender address verified in SES (e.g. recon@example.com)`,
    );
  }
  return checkAddress(value, REPORT_SENDER_ENV);
}

/** The raw MIME message (RFC 5322) of `message`, as SES Raw content takes it. */
export async function composeRawEmail(message: EmailMessage): Promise<Buffer> {
  const composer = new MailComposer({
    from: message.from,
    to: [...message.to],
    subject: message.subject,
    html: message.html,
    text: message.text,
    attachments: message.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
    })),
  });
  return composer.compile().build();
}

/** A client for the SDK's default region and credentials. */
export function defaultEmailClient(): EmailClient {
  return new SESv2Client({});
}

/** What SES accepted: its message id and the raw message sent. */
export interface EmailSent {
  messageId: string | null;
  raw: Buffer;
}

/**
 * Send `message` through SES v2 (SendEmail, Raw content).
 * @throws NotifyConfigError when there is no recipient or an address is malformed;
 *   NotifyError when SES refuses or cannot be reached (its message quoted).
 */
export async function sendEmail(client: EmailClient, message: EmailMessage): Promise<EmailSent> {
  checkAddress(message.from, 'the sender');
  if (message.to.length === 0) throw new NotifyConfigError('an email needs at least one recipient');
  for (const to of message.to) checkAddress(to, 'a recipient');
  const raw = await composeRawEmail(message);
  try {
    const out = await client.send(
      new SendEmailCommand({
        FromEmailAddress: message.from,
        Destination: { ToAddresses: [...message.to] },
        Content: { Raw: { Data: new Uint8Array(raw) } },
      }),
    );
    return { messageId: out.MessageId ?? null, raw };
  } catch (error) {
    throw new NotifyError(`SES SendEmail failed for "${message.subject}": ${describeError(error)}`, {
      cause: error,
    });
  }
}
