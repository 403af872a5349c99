/**
 * Producing the dashboard file: gather the data from the warehouse, render the page and write it
 * in one rename, so a browser (or the dashboard server) never reads a half-written file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { SqlExecutor } from '../warehouse/types.ts';
import { type DashboardData, type DashboardOptions, gatherDashboardData } from './data.ts';
import { renderDashboardHtml } from './html.ts';

/** Where `recon dashboard` writes by default: `<home>/dashboard.html`. */
export function defaultDashboardPath(home: string): string {
  return join(home, 'dashboard.html');
}

/** What {@link buildDashboard} made. */
export interface BuiltDashboard {
  html: string;
  data: DashboardData;
}

/** Gather the data and render the page (nothing written). */
export async function buildDashboard(
  db: SqlExecutor,
  options: DashboardOptions = {},
): Promise<BuiltDashboard> {
  const data = await gatherDashboardData(db, options);
  return { html: renderDashboardHtml(data), data };
}

/** Write `html` to `path` (directories created) through a temporary file and a rename. */
export async function writeDashboardFile(path: string, html: string): Promise<string> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, html, 'utf8');
  await rename(temp, target);
  return target;
}

/** Build the dashboard and write it to `path`; resolves to the absolute path and what it shows. */
export async function writeDashboard(
  db: SqlExecutor,
  path: string,
  options: DashboardOptions = {},
): Promise<BuiltDashboard & { path: string }> {
  const built = await buildDashboard(db, options);
  return { ...built, path: await writeDashboardFile(path, built.html) };
}
