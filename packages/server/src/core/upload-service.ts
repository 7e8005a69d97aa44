import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Attachment } from '@unique-support/protocol';
import { AppError } from '../errors.ts';
import type { LocalFileStorage } from '../store/file-storage.ts';
import type { AttachmentRecord, Store } from '../store/store.ts';
import type { Principal } from './principal.ts';

/** The types a file may have, by content type, with the extensions that imply them. */
export const ALLOWED_UPLOAD_TYPES: Readonly<Record<string, readonly string[]>> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt', 'log'],
  'application/zip': ['zip'],
  'application/msword': ['doc'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.ms-powerpoint': ['ppt'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
};

/** Other names browsers give the same types. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'application/x-zip-compressed': 'application/zip',
  'application/x-pdf': 'application/pdf',
};

/** Served inline (shown in the page); everything else is a download. */
export const isInlineType = (contentType: string) => contentType.startsWith('image/');

/** Magic numbers of the types shown inline or opened by viewers: the content must match. */
const SIGNATURES: Record<string, (head: Buffer) => boolean> = {
  'image/png': (h) => h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (h) => h.length >= 3 && h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff,
  'image/gif': (h) => /^GIF8[79]a/.test(h.subarray(0, 6).toString('latin1')),
  'image/webp': (h) =>
    h.subarray(0, 4).toString('latin1') === 'RIFF' && h.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (h) => h.subarray(0, 5).toString('latin1') === '%PDF-',
};

export interface IncomingFile {
  /** As the client named it (any path is dropped). */
  filename: string;
  /** As the client declared it; `application/octet-stream` or empty: guessed from the extension. */
  mimetype: string;
  stream: Readable;
  /** The source stopped at the size limit. */
  truncated?: () => boolean;
}

export interface UploadServiceOptions {
  store: Store;
  files: LocalFileStorage;
  /** Largest file in bytes. */
  maxBytes: number;
}

/**
 * Files visitors and agents attach to messages. Each upload gets a random id (its URL is
 * the capability to read it), is checked against the type allow-list (and, for images and
 * PDFs, against its first bytes), stored on disk, then recorded in the store.
 */
export class UploadService {
  private readonly store: Store;
  readonly files: LocalFileStorage;
  readonly maxBytes: number;

  constructor(options: UploadServiceOptions) {
    this.store = options.store;
    this.files = options.files;
    this.maxBytes = options.maxBytes;
  }

  async upload(principal: Principal, file: IncomingFile): Promise<Attachment> {
    const name = cleanName(file.filename);
    const contentType = resolveType(file.mimetype, name);
    if (!contentType) {
      await drain(file.stream);
      throw new AppError('BAD_REQUEST', 'this type of file is not allowed');
    }
    const id = `att_${randomBytes(18).toString('base64url')}`;
    const saved = await this.files.save(
      principal.workspaceId,
      id,
      file.stream,
      this.maxBytes,
      file.truncated,
    );
    if (saved.tooLarge) {
      throw new AppError('PAYLOAD_TOO_LARGE', `files are limited to ${this.maxBytes} bytes`);
    }
    try {
      if (saved.size === 0) throw new AppError('BAD_REQUEST', 'the file is empty');
      const signature = SIGNATURES[contentType];
      if (signature && !signature(saved.head)) {
        throw new AppError('BAD_REQUEST', `the file is not a valid ${contentType}`);
      }
      const record = await this.store.createAttachment({
        id,
        workspaceId: principal.workspaceId,
        uploader: { type: principal.type, id: principal.id },
        name,
        contentType,
        size: saved.size,
        url: `/api/v1/uploads/${id}/${encodeURIComponent(name)}`,
      });
      return publicAttachment(record);
    } catch (err) {
      await this.files.remove(principal.workspaceId, id);
      throw err;
    }
  }

  /** The record and the open file of an upload's URL; null when either is missing or `name` differs. */
  async open(id: string, name: string) {
    const record = await this.store.findAttachment(id);
    if (!record || record.name !== name) return null;
    const handle = await this.files.open(record.workspaceId, record.id);
    return handle ? { record, handle } : null;
  }
}

export const publicAttachment = ({ id, name, contentType, size, url }: AttachmentRecord): Attachment => ({
  id,
  name,
  contentType,
  size,
  url,
});

/** The base name, without control characters or quotes, at most 200 characters; `file` when nothing is left. */
export function cleanName(filename: string): string {
  const base = filename.split(/[/\\]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  const clipped = [...clean].slice(0, 200).join('').trim();
  return clipped && clipped !== '.' && clipped !== '..' ? clipped : 'file';
}

/** The allowed content type of the file, or null. */
export function resolveType(declared: string, name: string): string | null {
  let type = declared.split(';')[0]!.trim().toLowerCase();
  type = ALIASES[type] ?? type;
  if (type === '' || type === 'application/octet-stream') {
    const extension = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
    const guessed = Object.entries(ALLOWED_UPLOAD_TYPES).find(([, extensions]) =>
      extensions.includes(extension),
    );
    return guessed?.[0] ?? null;
  }
  return Object.hasOwn(ALLOWED_UPLOAD_TYPES, type) ? type : null;
}

async function drain(stream: Readable): Promise<void> {
  stream.resume();
  await new Promise<void>((resolve) => {
    if (stream.readableEnded) return resolve();
    stream.once('end', resolve);
    stream.once('error', () => resolve());
    stream.once('close', resolve);
  });
}
