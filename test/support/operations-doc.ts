/**
 * Reads the operations runbook (docs/operations.md) into what test/operations-doc.test.ts runs.
 *
 * The convention the runbook follows:
 * - fenced blocks are ```sh (commands), ```sql (queries) or ```json (a `recon.config.json`); any
 *   other fence, or one without a language, is a problem;
 * - in a ```sh block every line is empty, a comment (`# …`), or one `recon …` command, optionally
 *   preceded by `RECON_NAME=value` assignments (settings given for that command only) and
 *   followed by `# exit N` (the exit code the command ends with; 0 without it). Anything else —
 *   another program, a pipe, a redirection, `$VAR`, a line continuation — is a problem;
 * - `<id>`, `<other-id>`, `<execution>`, `<run>` are placeholders the test fills with real values
 *   (two anomaly ids, a Step Functions execution name, the run id of a dead run holding a date),
 *   in commands and in SQL alike;
 * - inline code spans `recon …` in the prose name real commands and options.
 */
import type { Command, Option } from 'commander';

/** Placeholders a command or a query may use, filled by the test. */
export const PLACEHOLDERS = ['<id>', '<other-id>', '<execution>', '<run>'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** A `recon …` line of a ```sh block. */
export interface DocCommand {
  kind: 'command';
  /** 1-based line in the document. */
  line: number;
  /** The line as written, trimmed. */
  text: string;
  /** `RECON_…=value` assignments before `recon`. */
  env: Record<string, string>;
  /** The words after `recon` (quotes removed), placeholders as written. */
  argv: string[];
  /** The exit code the document says (`# exit N`), 0 when it says none. */
  exit: number;
}

/** One ```sql block: its statements. */
export interface DocSql {
  kind: 'sql';
  line: number;
  text: string;
}

/** One ```json block. */
export interface DocJson {
  kind: 'json';
  line: number;
  text: string;
}

export type DocItem = DocCommand | DocSql | DocJson;

/** A fenced block as written. */
interface Fence {
  lang: string;
  line: number;
  lines: string[];
}

const FENCE = /^(\s*)```(.*)$/;

/** Split the document into fenced blocks and the prose around them. */
export function splitFences(doc: string): { fences: Fence[]; prose: string; problems: string[] } {
  const lines = doc.split('\n');
  const fences: Fence[] = [];
  const prose: string[] = [];
  const problems: string[] = [];
  let open: (Fence & { indent: number }) | null = null;
  lines.forEach((raw, i) => {
    const m = FENCE.exec(raw);
    if (open) {
      if (m && m[2]!.trim() === '') {
        fences.push({ lang: open.lang, line: open.line, lines: open.lines });
        open = null;
      } else open.lines.push(raw.slice(Math.min(open.indent, raw.length - raw.trimStart().length)));
      return;
    }
    if (m) {
      open = { lang: m[2]!.trim(), line: i + 1, lines: [], indent: m[1]!.length };
      return;
    }
    prose.push(raw);
  });
  if (open) problems.push(`line ${(open as Fence).line}: fenced block never closed`);
  return { fences, prose: prose.join('\n'), problems };
}

/** Characters that make a word more than a plain argument when unquoted. */
const SHELL_META = /[|&;<>()$`\\*?[\]{}!~]/;

/** Split one shell line into words (double and single quotes), and its trailing `#` comment. */
export function shellWords(line: string): { words: string[]; quoted: boolean[]; comment: string | null } {
  const words: string[] = [];
  const quoted: boolean[] = [];
  let word: string | null = null;
  let wasQuoted = false;
  let i = 0;
  const end = () => {
    if (word !== null) {
      words.push(word);
      quoted.push(wasQuoted);
    }
    word = null;
    wasQuoted = false;
  };
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === ' ' || ch === '\t') {
      end();
      i++;
    } else if (ch === '#' && word === null) {
      return { words, quoted, comment: line.slice(i + 1).trim() };
    } else if (ch === '"' || ch === "'") {
      const close = line.indexOf(ch, i + 1);
      if (close < 0) throw new Error(`unterminated ${ch} quote`);
      const inner = line.slice(i + 1, close);
      if (ch === '"' && /[$`\\]/.test(inner)) throw new Error(`"${inner}" expands inside double quotes`);
      word = (word ?? '') + inner;
      wasQuoted = true;
      i = close + 1;
    } else {
      word = (word ?? '') + ch;
      i++;
    }
  }
  end();
  return { words, quoted, comment: null };
}

const ASSIGNMENT = /^(RECON_[A-Z0-9_]+)=(.+)$/;
const PLACEHOLDER_LIKE = /<[a-z][a-z-]*>/g;

/** Parse one non-empty, non-comment line of a ```sh block. */
export function parseCommandLine(text: string, line: number): DocCommand {
  const { words, quoted, comment } = shellWords(text);
  let exit = 0;
  if (comment !== null) {
    const m = /^exit (\d)$/.exec(comment);
    if (!m) throw new Error(`only "# exit N" may follow a command, found "# ${comment}"`);
    exit = Number(m[1]);
  }
  const env: Record<string, string> = {};
  let k = 0;
  for (; k < words.length; k++) {
    const m = ASSIGNMENT.exec(words[k]!);
    if (!m || quoted[k]) break;
    env[m[1]!] = m[2]!;
  }
  if (words[k] !== 'recon' || quoted[k]) {
    throw new Error('not a recon command (a ```sh line must be `[RECON_X=value …] recon …`)');
  }
  const argv = words.slice(k + 1);
  if (argv.length === 0) throw new Error('`recon` without a command');
  argv.forEach((w, j) => {
    if (quoted[k + 1 + j]) return;
    if ((PLACEHOLDERS as readonly string[]).includes(w)) return;
    if (SHELL_META.test(w)) throw new Error(`"${w}" is shell syntax or an unknown placeholder`);
  });
  return { kind: 'command', line, text, env, argv, exit };
}

/** Every fenced item of the document in order, and what does not follow the convention. */
export function parseRunbook(doc: string): { items: DocItem[]; prose: string; problems: string[] } {
  const { fences, prose, problems } = splitFences(doc);
  const items: DocItem[] = [];
  for (const f of fences) {
    if (f.lang === 'sql' || f.lang === 'json') {
      items.push({ kind: f.lang, line: f.line, text: f.lines.join('\n').trim() });
      for (const p of f.lines.join('\n').match(PLACEHOLDER_LIKE) ?? []) {
        if (!(PLACEHOLDERS as readonly string[]).includes(p))
          problems.push(`line ${f.line}: unknown placeholder ${p}`);
      }
      continue;
    }
    if (f.lang !== 'sh') {
      problems.push(`line ${f.line}: fenced block "${f.lang || '(no language)'}" is not sh, sql or json`);
      continue;
    }
    f.lines.forEach((raw, j) => {
      const text = raw.trim();
      const line = f.line + 1 + j;
      if (text === '' || text.startsWith('#')) return;
      try {
        items.push(parseCommandLine(text, line));
      } catch (error) {
        problems.push(`line ${line}: ${(error as Error).message}: ${text}`);
      }
    });
  }
  return { items, prose, problems };
}

/** The inline code spans of the prose that are `recon …` commands, whitespace collapsed. */
export function inlineReconSpans(prose: string): string[] {
  const flat = prose.replace(/\s+/g, ' ');
  return [...flat.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.trim()).filter((s) => /^recon /.test(s));
}

/** A command of the program reached by words, and the options given that it does not know. */
export interface Resolved {
  /** Subcommand names from the program down, e.g. ['anomalies', 'show']. */
  path: string[];
  command: Command;
  unknownOptions: string[];
}

/** Walk `argv` down the commander program the way it parses them (options of ancestors allowed). */
export function resolveCommand(program: Command, argv: readonly string[]): Resolved {
  const path: string[] = [];
  const chain: Command[] = [program];
  const unknownOptions: string[] = [];
  let command = program;
  const findOption = (long: string): Option | undefined => {
    for (const c of chain) {
      const o = c.options.find((x) => x.long === long);
      if (o) return o;
    }
    return undefined;
  };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word.startsWith('--')) {
      const name = word.split('=')[0]!;
      if (name === '--help') continue;
      const option = findOption(name);
      if (!option) unknownOptions.push(name);
      else if ((option.required || option.optional) && !word.includes('=')) i++;
      continue;
    }
    const sub = command.commands.find((c) => c.name() === word);
    if (sub) {
      command = sub;
      chain.push(sub);
      path.push(word);
    }
  }
  return { path, command, unknownOptions };
}
