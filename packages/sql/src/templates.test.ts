import { describe, expect, it } from 'vitest';
import { codeOnly, lex, SqlSyntaxError } from './lexer.ts';
import {
  compileNamed,
  namedParams,
  namedSteps,
  renderIdentifiers,
  SqlParamError,
  SqlTemplateError,
  splitStatements,
} from './templates.ts';

describe('compileNamed', () => {
  it('turns :name placeholders into $n in first-use order, binding a repeated name once', () => {
    const r = compileNamed('SELECT * FROM t WHERE a = :a AND b = :b OR a2 = :a', { b: 2, a: 1 });
    expect(r.text).toBe('SELECT * FROM t WHERE a = $1 AND b = $2 OR a2 = $1');
    expect(r.values).toEqual([1, 2]);
  });

  it('leaves :: casts alone, including a cast right after a placeholder', () => {
    const r = compileNamed("SELECT :d::date, x::numeric(12,2), '1'::int, :n ::bigint", {
      d: '2024-01-01',
      n: '5',
    });
    expect(r.text).toBe("SELECT $1::date, x::numeric(12,2), '1'::int, $2 ::bigint");
    expect(r.values).toEqual(['2024-01-01', '5']);
  });

  it('ignores colons inside string literals, E-strings, quoted identifiers, comments and dollar bodies', () => {
    const sql = [
      "SELECT ':not' AS a, 'it''s :no' AS b, E'\\':nope' AS c, \"col:x\" AS d, $$ :dollar $$ AS e,",
      '  $tag$ :tagged $tag$ AS f -- :comment',
      '  /* :block /* :nested */ still :comment */, :yes AS g',
    ].join('\n');
    const r = compileNamed(sql, { yes: 1 });
    expect(r.values).toEqual([1]);
    expect(r.text).toContain('$1 AS g');
    expect(r.text).toContain("':not'");
    expect(r.text).toContain("E'\\':nope'");
    expect(r.text).toContain('"col:x"');
    expect(r.text).toContain('-- :comment');
    expect(r.text).toContain('/* :block /* :nested */ still :comment */');
  });

  it('keeps time literals and positional $n untouched', () => {
    const r = compileNamed("SELECT TIMESTAMP '2024-01-01 10:20:30', $1, :p", { p: 'x' });
    expect(r.text).toBe("SELECT TIMESTAMP '2024-01-01 10:20:30', $1, $1");
  });

  it('throws naming a parameter the SQL references but the params lack', () => {
    expect(() => compileNamed('SELECT :present, :absent', { present: 1 })).toThrow(SqlParamError);
    expect(() => compileNamed('SELECT :present, :absent', { present: 1 })).toThrow(/:absent/);
    try {
      compileNamed('SELECT :absent', {});
    } catch (error) {
      expect((error as SqlParamError).param).toBe('absent');
    }
  });

  it('throws for a parameter set to undefined but binds null', () => {
    expect(() => compileNamed('SELECT :u', { u: undefined })).toThrow(/:u is undefined/);
    expect(compileNamed('SELECT :n', { n: null }).values).toEqual([null]);
  });

  it('ignores parameters the SQL does not use (one context serves many models)', () => {
    expect(compileNamed('SELECT 1', { unused: 1 })).toEqual({ text: 'SELECT 1', values: [] });
  });

  it('does not look up inherited properties as parameters', () => {
    expect(() => compileNamed('SELECT :toString', {})).toThrow(SqlParamError);
  });

  it('lists the named parameters', () => {
    expect(namedParams("SELECT :a, :b::int, ':c', :a")).toEqual(['a', 'b']);
  });
});

describe('lexer', () => {
  it('round-trips every segment back to the input', () => {
    const sql = 'SELECT \'a\'\'b\', "q""x", $$x$$ -- c\n/* d */ FROM t;';
    expect(
      lex(sql)
        .map((s) => s.text)
        .join(''),
    ).toBe(sql);
  });

  it('rejects unterminated literals, identifiers and comments', () => {
    expect(() => lex("SELECT 'oops")).toThrow(SqlSyntaxError);
    expect(() => lex('SELECT "oops')).toThrow(SqlSyntaxError);
    expect(() => lex('SELECT /* oops')).toThrow(SqlSyntaxError);
    expect(() => lex('SELECT $$ oops')).toThrow(SqlSyntaxError);
  });

  it('blanks literals and drops comments in codeOnly', () => {
    expect(codeOnly("SELECT 'ON CONFLICT' -- RETURNING\nFROM t")).toBe("SELECT ''  \nFROM t");
  });
});

describe('splitStatements / namedSteps', () => {
  it('splits on top-level semicolons only and drops comment-only pieces', () => {
    const sql =
      "-- header\nCREATE TABLE a (x VARCHAR(3)); INSERT INTO a VALUES (';');\n-- trailing comment\n";
    expect(splitStatements(sql)).toEqual([
      '-- header\nCREATE TABLE a (x VARCHAR(3))',
      "INSERT INTO a VALUES (';')",
    ]);
  });

  it('keeps dollar-quoted bodies with semicolons whole', () => {
    const sql = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$; SELECT f();';
    expect(splitStatements(sql)).toHaveLength(2);
  });

  it('names statements by their -- step: comment', () => {
    const sql = '-- file header\n-- step: first\nSELECT 1;\n-- step: second\n-- why\nSELECT 2;\nSELECT 3;';
    expect(namedSteps(sql).map((s) => s.name)).toEqual(['first', 'second', 'step_3']);
  });
});

describe('renderIdentifiers', () => {
  it('renders identifiers, lists and prefixed lists', () => {
    const sql = 'SELECT {{cols}}, {{cols:l.}} FROM {{t}} l';
    expect(renderIdentifiers(sql, { cols: ['a', 'b'], t: 'recon.stg' })).toBe(
      'SELECT a, b, l.a, l.b FROM recon.stg l',
    );
  });

  it('never renders inside string literals', () => {
    expect(renderIdentifiers("SELECT '{{t}}', {{t}}", { t: 'x' })).toBe("SELECT '{{t}}', x");
  });

  it('rejects unknown placeholders and unsafe identifiers', () => {
    expect(() => renderIdentifiers('SELECT {{nope}}', {})).toThrow(SqlTemplateError);
    expect(() => renderIdentifiers('SELECT {{t}}', { t: 'x; DROP TABLE y' })).toThrow(/unsafe/);
    expect(() => renderIdentifiers('SELECT {{t}}', { t: 'a"b' })).toThrow(/unsafe/);
    expect(() => renderIdentifiers('SELECT {{t}}', { t: [] })).toThrow(/empty/);
  });
});
