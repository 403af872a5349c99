/**
 * What every scheduled report (seed phase 4 §7) is made of: the files it writes (markdown, HTML,
 * CSV, PDF), the email that carries it, and — for the daily report — the WeCom markdown message.
 */

/** A report file format (the `--format` values of `recon report`). */
export type ReportFormat = 'markdown' | 'html' | 'csv' | 'pdf';

/** One file of a report: its name, format, MIME type and content. */
export interface ReportArtifact {
  filename: string;
  format: ReportFormat;
  contentType: string;
  content: Buffer | string;
}

/** The email of a report: subject, HTML body, plain-text alternative, attachments. */
export interface ReportEmail {
  subject: string;
  html: string;
  text: string;
  attachments: readonly ReportArtifact[];
}

/** A built report, ready to be written or sent. */
export interface BuiltReport {
  kind: 'daily' | 'weekly' | 'monthly';
  /** What it covers, for messages ("2026-03-10", "weeks 2026-02-16 … 2026-03-15", "2026-03"). */
  period: string;
  /** Every file the report consists of. */
  artifacts: readonly ReportArtifact[];
  email: ReportEmail;
  /** The WeCom markdown message (≤ 4,096 bytes), for reports posted to WeCom. */
  wecomMarkdown?: string;
}
