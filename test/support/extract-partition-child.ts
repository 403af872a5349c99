/**
 * Child process for the memory test: extracts one partition of t_order_pay from MySQL into the
 * staging area and prints the rows handled and the peak RSS as JSON. Run in its own process so the
 * measured peak belongs to extraction alone.
 */
import '../../packages/core/src/polyfills.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../../packages/core/src/pipeline/runtime.ts';
import { extractPartition } from '../../packages/core/src/pipeline/tasks.ts';
import { loadSettings } from '../../packages/core/src/settings.ts';
import { MysqlSourceReader } from '../../packages/core/src/sources/mysql.ts';
import { FileObjectStore } from '../../packages/core/src/staging/object-store.ts';
import { BusinessCalendar } from '../../packages/core/src/time.ts';

const [url, from, to] = process.argv.slice(2) as [string, string, string];
const home = mkdtempSync(join(tmpdir(), 'recon-mem-'));
const reader = new MysqlSourceReader('salesorder', url);
const settings = loadSettings({ env: {}, cwd: home });
const rt = {
  settings,
  calendar: new BusinessCalendar(settings.businessTimeZone),
  staging: new FileObjectStore(join(home, 'staging')),
  reader: () => reader,
  tmpDir: home,
  batchSize: 10_000,
} as unknown as Runtime;
const result = await extractPartition(rt, {
  runId: 'memtest',
  reconDate: '2026-11-20',
  partition: { source: 'salesorder', table: 't_order_pay', from, to, index: 0 },
});
await reader.close();
process.stdout.write(
  `${JSON.stringify({ rowsRead: result.rowsRead, rowsStaged: result.rowsStaged, maxRssKb: process.resourceUsage().maxRSS })}\n`,
);
