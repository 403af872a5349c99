/**
 * What a pipeline task needs: settings, the business calendar, the warehouse, the staging store,
 * watermarks and source readers. Opened once per process (PGlite costs seconds to start).
 */
import type { Settings } from '../settings.ts';
import type { SourceId } from '../sources/spec.ts';
import type { SourceReader } from '../sources/types.ts';
import type { ObjectStore } from '../staging/object-store.ts';
import type { BusinessCalendar } from '../time.ts';
import type { Warehouse } from '../warehouse/types.ts';
import type { WatermarkStore } from '../warehouse/watermarks.ts';

export interface Runtime {
  readonly settings: Settings;
  readonly calendar: BusinessCalendar;
  readonly warehouse: Warehouse;
  readonly watermarks: WatermarkStore;
  readonly staging: ObjectStore;
  /** A reader for one source (opened on first use). */
  reader(source: SourceId): SourceReader;
  /** Directory for this process's temporary files. */
  readonly tmpDir: string;
  /** Rows per source batch while extracting. */
  readonly batchSize: number;
  /**
   * The WeCom webhooks alerts go to (locally `RECON_WECOM_CRITICAL_WEBHOOK` / `…_WARNING_WEBHOOK`,
   * in AWS the stage's SecureString parameters); an absent one records its alerts NOT_CONFIGURED.
   */
  webhooks(): Promise<{ critical?: string; warning?: string }>;
}
