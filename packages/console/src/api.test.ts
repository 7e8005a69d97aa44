import { describe, expect, it } from 'vitest';
import { attachmentName } from './api.ts';

describe('api', () => {
  it('reads the file name of a download', () => {
    expect(attachmentName('attachment; filename="report-2026-03-01-2026-03-07.csv"')).toBe(
      'report-2026-03-01-2026-03-07.csv',
    );
    expect(attachmentName('attachment; filename=report.csv')).toBe('report.csv');
    expect(attachmentName("attachment; filename*=UTF-8''%E6%8A%A5%E8%A1%A8.csv")).toBe('报表.csv');
    expect(attachmentName('attachment')).toBeNull();
    expect(attachmentName(null)).toBeNull();
  });
});
