/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [top]` — the functions a V8 CPU profile (written
 * by `npm run bench -- --profile <dir>`) spent most self time in, and the share per package:
 * where the pipeline process's own CPU goes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** A short place for a script URL: the package (node_modules/<pkg>) or the repository path. */
function place(url: string): string {
  if (!url) return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url;
  const repo = /\/(packages\/[^?]+|bench\/[^?]+)/.exec(url);
  return repo ? repo[1]! : url;
}

const fnTimes = new Map<string, number>();
const pkgTimes = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const where = place(n.callFrame.url);
  const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
  fnTimes.set(key, (fnTimes.get(key) ?? 0) + us);
  const pkg = where.startsWith('packages/') ? where.split('/').slice(0, 4).join('/') : where;
  pkgTimes.set(pkg, (pkgTimes.get(pkg) ?? 0) + us);
}
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
const sec = (us: number) => `${(us / 1e6).toFixed(2).padStart(7)} s`;
const top = Number(topArg ?? 30);
process.stdout.write(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby place:\n`);
for (const [k, v] of [...pkgTimes].sort((a, b) => b[1] - a[1]).slice(0, 15))
  process.stdout.write(`${sec(v)} ${pct(v)}  ${k}\n`);
process.stdout.write(`\nby function (self time):\n`);
for (const [k, v] of [...fnTimes].sort((a, b) => b[1] - a[1]).slice(0, top))
  process.stdout.write(`${sec(v)} ${pct(v)}  ${k}\n`);
