import { describe, expect, it } from 'vitest';
import { cleanName, resolveType } from './upload-service.ts';

describe('cleanName', () => {
  it('keeps the base name without control characters or quotes, at most 200 characters', () => {
    expect(cleanName('photo.png')).toBe('photo.png');
    expect(cleanName('../../etc/passwd')).toBe('passwd');
    expect(cleanName('C:\\fakepath\\报告.pdf')).toBe('报告.pdf');
    expect(cleanName('a"b\u0000c\nd.txt')).toBe('abcd.txt');
    expect(cleanName(`${'é'.repeat(250)}.txt`)).toBe('é'.repeat(200));
    for (const empty of ['', '   ', '.', '..', 'dir/', '"']) expect(cleanName(empty)).toBe('file');
  });
});

describe('resolveType', () => {
  it('allows the listed types (and their aliases), ignoring parameters and case', () => {
    expect(resolveType('image/PNG', 'x')).toBe('image/png');
    expect(resolveType('text/plain; charset=utf-8', 'x')).toBe('text/plain');
    expect(resolveType('image/jpg', 'x')).toBe('image/jpeg');
    expect(resolveType('application/x-zip-compressed', 'x')).toBe('application/zip');
    expect(resolveType('text/html', 'x.txt')).toBeNull();
    expect(resolveType('image/svg+xml', 'x.svg')).toBeNull();
  });

  it('guesses from the extension only for a generic or missing type', () => {
    expect(resolveType('application/octet-stream', 'Sheet.XLSX')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(resolveType('', 'photo.jpeg')).toBe('image/jpeg');
    expect(resolveType('', 'page.html')).toBeNull();
    expect(resolveType('application/octet-stream', 'README')).toBeNull();
  });
});
