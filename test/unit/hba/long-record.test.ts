// Item 12 of issue 10: HbaFile.parse was quadratic on one long continued record (0.25 / 0.5 / 1 MB
// took 1.7 / 7.3 / 29.9 s; it tested the joined content of the record for a final backslash after
// each physical line, which flattens the growing string every time). Speed is measured in
// bench/hba.ts; here the check is of the complexity, robust on a loaded machine: the runs of the
// two sizes are interleaved (load slows both alike) and the medians compared. Four times the
// input must cost under eight times the time: linear code measures about 4, the old code about 20.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnAt } from '../../../src/hba/auth-document.js';
import { joinLogicalLines, lexContent, logicalContent, splitPhysicalLines } from '../../../src/hba/auth-lexer.js';
import { HbaFile } from '../../../src/hba/index.js';

const LINE = 'host all all 127.0.0.1/32 trust \\\n';

function record(bytes: number): string {
  return `${LINE.repeat(Math.ceil(bytes / LINE.length))}host all all 127.0.0.1/32 trust\n`;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

describe('one long continued record', () => {
  it('parses in time linear in its length (1 MB under 8× the time of 256 KB)', () => {
    const small = record(256 * 1024);
    const large = record(1024 * 1024);
    const parse = (text: string): number => {
      const start = performance.now();
      const hba = HbaFile.parse(text);
      const ms = performance.now() - start;
      expect(hba.length).toBe(0);
      expect(hba.diagnostics).toHaveLength(1);
      expect(hba.diagnostics[0]).toMatchObject({ line: 1, message: 'authentication option not in name=value format: host' });
      return ms;
    };
    parse(small); // warm up the JIT
    const smallTimes: number[] = [];
    const largeTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      smallTimes.push(parse(small));
      largeTimes.push(parse(large));
    }
    const ratio = median(largeTimes) / median(smallTimes);
    expect(ratio, `256 KB: ${median(smallTimes).toFixed(0)} ms, 1 MB: ${median(largeTimes).toFixed(0)} ms`).toBeLessThan(8);
  }, 120_000);

  it('keeps every byte and reads the record as the server does', () => {
    const text = record(256 * 1024);
    const hba = HbaFile.parse(text);
    expect(hba.toString()).toBe(text);
    const valid = `host all all 127.0.0.1/32 ldap ldapbasedn=x${' ldapserver=x \\\n'.repeat(20_000)}\n`;
    const rules = HbaFile.parse(valid);
    expect(rules.toString()).toBe(valid);
    expect(rules.at(0)).toMatchObject({ method: 'ldap', options: { ldapbasedn: 'x', ldapserver: 'x' }, line: 1 });
  });
});

// The lexer before the fix, kept as the reference: hba.c's loops one character at a time.
function referenceLogical(text: string, major: number) {
  const lines = splitPhysicalLines(text);
  const strip = (s: string) => s.replace(/[\r\n]+$/, '');
  const out: Array<{ text: string; eol: string; lineCount: number; openEnded?: boolean }> = [];
  let i = 0;
  while (i < lines.length) {
    let { text: joined, eol } = lines[i]!;
    let content = strip(joined);
    let count = 1;
    let lastBackslash = 0;
    let openEnded = false;
    i++;
    while (major >= 14 && content.length > lastBackslash && content.endsWith('\\')) {
      const next = lines[i];
      if (!next) {
        openEnded = true;
        break;
      }
      content = content.slice(0, -1);
      lastBackslash = content.length;
      content += strip(next.text);
      joined += eol + next.text;
      eol = next.eol;
      count++;
      i++;
    }
    out.push(openEnded ? { text: joined, eol, lineCount: count, openEnded } : { text: joined, eol, lineCount: count });
  }
  return out;
}

function referenceContent(line: { text: string; openEnded?: boolean }, major: number) {
  const parts = line.text.split('\n');
  const map: number[] = [];
  let content = '';
  let offset = 0;
  parts.forEach((part, index) => {
    let stripped = part.replace(/[\r\n]+$/, '');
    if ((index < parts.length - 1 || line.openEnded === true) && major >= 14 && stripped.endsWith('\\')) stripped = stripped.slice(0, -1);
    for (let k = 0; k < stripped.length; k++) map.push(offset + k);
    content += stripped;
    offset += part.length + 1;
  });
  map.push(line.text.length);
  return { content, map };
}

function referenceTokens(content: string) {
  const blank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r';
  const fields: Array<Array<{ value: string; quoted: boolean; sawQuote: boolean; start: number; end: number }>> = [];
  let pos = 0;
  let commentStart = -1;
  while (pos < content.length) {
    const tokens: (typeof fields)[number] = [];
    for (;;) {
      while (pos < content.length && (blank(content[pos]) || content[pos] === ',')) pos++;
      const start = pos;
      let value = '';
      let inQuote = false;
      let wasQuote = false;
      let sawQuote = false;
      let initialQuote = false;
      let comma = false;
      while (pos < content.length && (!blank(content[pos]) || inQuote)) {
        const c = content[pos]!;
        if (c === '#' && !inQuote) {
          commentStart = pos;
          pos = content.length;
          break;
        }
        if (c === ',' && !inQuote) {
          comma = true;
          break;
        }
        if (c !== '"' || wasQuote) value += c;
        wasQuote = inQuote && c === '"' ? !wasQuote : false;
        if (c === '"') {
          inQuote = !inQuote;
          sawQuote = true;
          if (value === '') initialQuote = true;
        }
        pos++;
      }
      const end = comma ? pos : Math.min(pos, commentStart === -1 ? pos : commentStart);
      if (comma) pos++;
      if (!sawQuote && value === '') break;
      tokens.push({ value, quoted: initialQuote, sawQuote, start, end });
      if (!comma) break;
    }
    if (tokens.length > 0) fields.push(tokens);
    else if (commentStart !== -1 || pos >= content.length) break;
  }
  return { fields, commentStart };
}

const tricky = fc
  .array(fc.constantFrom('a', 'b', ' ', '\t', '\r', '\n', '\\', '"', ',', '#'), { maxLength: 40 })
  .map((chars) => chars.join(''));

describe('the linear lexer reads what the character-at-a-time one read', () => {
  it('the same logical lines, content, offsets, tokens and comment', () => {
    fc.assert(
      fc.property(tricky, fc.constantFrom(13, 18), (text, major) => {
        const logical = joinLogicalLines(splitPhysicalLines(text), { major });
        expect(logical).toEqual(referenceLogical(text, major));
        for (const line of logical) {
          const { content, map } = logicalContent(line, { major });
          const reference = referenceContent(line, major);
          expect(content).toBe(reference.content);
          for (let offset = 0; offset <= content.length + 1; offset++) {
            const at = reference.map[Math.min(offset, reference.map.length - 1)]!;
            expect(columnAt(line.text, map, offset)).toBe(at - (line.text.slice(0, at).lastIndexOf('\n') + 1) + 1);
          }
          const lexed = lexContent(content, { major });
          const expected = referenceTokens(content);
          expect(lexed.commentStart).toBe(expected.commentStart);
          expect(lexed.fields.map((f) => f.tokens)).toEqual(expected.fields);
        }
      }),
      { numRuns: 2000 },
    );
  }, 60_000);
});
