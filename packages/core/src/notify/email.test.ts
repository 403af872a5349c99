/**
 * Email through SES v2 with a mocked client: the SendEmail input (sender, recipients, Raw content
 * composed by MailComposer with its attachments), SES failures as NotifyError, and the checks of
 * the sender variable and the recipients setting.
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { composeRawEmail, parseRecipients, sendEmail, senderFromEnv } from './email.ts';
import { NotifyConfigError, NotifyError } from './errors.ts';

const ses = mockClient(SESv2Client);
beforeEach(() => ses.reset());

const message = {
  from: 'Recon <recon@example.com>',
  to: ['finance-ops@example.com', 'cfo@example.com'],
  subject: 'Weekly Finance Summary — 2026-02-09 … 2026-03-08',
  html: '<p>L1 <b>97.25%</b></p>',
  text: 'L1 97.25%',
  attachments: [
    {
      filename: 'weekly-2026-03-02.csv',
      content: 'week_start,days\n2026-03-02,7\n',
      contentType: 'text/csv',
    },
  ],
};

describe('sendEmail', () => {
  it('sends the raw MIME message with SendEmail and returns the message id', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-123' });
    const sent = await sendEmail(new SESv2Client({ region: 'us-east-1' }), message);
    expect(sent.messageId).toBe('ses-123');
    const [call] = ses.commandCalls(SendEmailCommand);
    const input = call!.args[0].input;
    expect(input.FromEmailAddress).toBe('Recon <recon@example.com>');
    expect(input.Destination).toEqual({ ToAddresses: ['finance-ops@example.com', 'cfo@example.com'] });
    const raw = Buffer.from(input.Content!.Raw!.Data!).toString('utf8');
    expect(raw).toBe(sent.raw.toString('utf8'));
    expect(raw).toMatch(/^From: Recon <recon@example\.com>$/m);
    expect(raw).toMatch(/^To: finance-ops@example\.com, cfo@example\.com$/m);
    expect(raw).toMatch(/^Subject: =\?UTF-8\?/m); // the em dash is encoded
    expect(raw).toContain('Content-Type: text/html; charset=utf-8');
    expect(raw).toContain('Content-Type: text/plain; charset=utf-8');
    expect(raw).toMatch(/Content-Disposition: attachment;\s+filename=weekly-2026-03-02\.csv/);
    expect(raw).toContain(Buffer.from('week_start,days\n2026-03-02,7\n').toString('base64'));
  });

  it('turns an SES refusal into a NotifyError naming the subject', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }));
    const err = sendEmail(new SESv2Client({ region: 'us-east-1' }), message);
    await expect(err).rejects.toBeInstanceOf(NotifyError);
    await expect(err).rejects.toThrow(
      /SES SendEmail failed for "Weekly Finance Summary.*MessageRejected: Email address is not verified/,
    );
  });

  it('refuses a message without recipients or with a malformed address, before calling SES', async () => {
    const client = new SESv2Client({ region: 'us-east-1' });
    await expect(sendEmail(client, { ...message, to: [] })).rejects.toBeInstanceOf(NotifyConfigError);
    await expect(sendEmail(client, { ...message, to: ['nobody'] })).rejects.toThrow(
      /a recipient: "nobody" is not an email address/,
    );
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('composes deterministic parts: one attachment per file', async () => {
    const raw = (
      await composeRawEmail({
        ...message,
        attachments: [
          ...message.attachments,
          { filename: 'b.pdf', content: Buffer.from('%PDF'), contentType: 'application/pdf' },
        ],
      })
    ).toString();
    expect(raw.match(/Content-Disposition: attachment/g)).toHaveLength(2);
    expect(raw).toContain('Content-Type: application/pdf; name=b.pdf');
  });
});

describe('sender and recipients', () => {
  it('reads RECON_REPORT_SENDER and names it when missing or malformed', () => {
    expect(senderFromEnv({ RECON_REPORT_SENDER: ' recon@example.com ' })).toBe('recon@example.com');
    expect(() => senderFromEnv({})).toThrow(/sending email needs RECON_REPORT_SENDER/);
    expect(() => senderFromEnv({ RECON_REPORT_SENDER: 'recon' })).toThrow(
      /RECON_REPORT_SENDER: "recon" is not an email address/,
    );
  });

  it('splits the emailRecipients setting on commas and semicolons, de-duplicated', () => {
    expect(parseRecipients('a@example.com; b@example.com,a@example.com')).toEqual([
      'a@example.com',
      'b@example.com',
    ]);
    expect(() => parseRecipients(' , ')).toThrow(/setting emailRecipients holds no email address/);
    expect(() => parseRecipients('a@example.com, bad')).toThrow(/setting emailRecipients: "bad"/);
  });
});
