import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineSplitter, tailLogFile } from '../../../src/control/index.js';

describe('tailLogFile', () => {
  it('hands out the lines written after the offset, the last one on stop even without a newline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgct-unit-'));
    const path = join(dir, 'server.log');
    try {
      writeFileSync(path, 'before the start\n');
      const lines: string[] = [];
      const tail = tailLogFile(path, 17, (line) => lines.push(line), { interval: 5 });
      appendFileSync(path, 'LOG:  one\r\nLOG:  tw');
      await new Promise((resolve) => setTimeout(resolve, 50));
      appendFileSync(path, 'o\nLOG:  three');
      await tail.stop();
      expect(lines).toEqual(['LOG:  one', 'LOG:  two', 'LOG:  three']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops quietly when the file is gone', async () => {
    const lines: string[] = [];
    const tail = tailLogFile('/nonexistent/server.log', 0, (line) => lines.push(line), { interval: 5 });
    await tail.stop();
    expect(lines).toEqual([]);
  });
});

describe('lineSplitter', () => {
  it('joins lines split across chunks', () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    splitter.push('a\nb');
    splitter.push('c\n');
    splitter.push('d');
    splitter.flush();
    expect(lines).toEqual(['a', 'bc', 'd']);
  });
});
