import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { isInlineType } from '../../core/upload-service.ts';
import { AppError } from '../../errors.ts';
import { bearer, type HttpDeps } from '../http-server.ts';
import { AttachmentResponse, UploadParams } from '../schemas.ts';

/** What an uploaded file may do when opened directly: nothing but be shown. */
export const UPLOAD_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

/**
 * Files for messages. `POST /uploads` (multipart, one `file` field; visitor or agent token)
 * stores a file and answers its attachment; the message then names it by id. The file's URL
 * is unguessable and served without a token (an <img> cannot send one).
 */
export const uploadRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { accounts, uploads }) => {
  const auth = bearer(accounts);
  const tags = ['uploads'];
  // Only this plugin parses multipart bodies.
  await app.register(multipart, {
    limits: { fileSize: uploads.maxBytes, files: 1, fields: 10, parts: 20, fieldSize: 1024 },
  });

  app.post(
    '/uploads',
    {
      schema: {
        tags,
        security: [{ bearer: [] }],
        summary: `Upload a file (visitor or agent): images (png, jpeg, gif, webp), pdf, txt, zip, office documents; at most ${uploads.maxBytes} bytes (413)`,
        consumes: ['multipart/form-data'],
        body: Type.Object({ file: Type.String({ format: 'binary' }) }, { required: ['file'] }),
        response: { 201: AttachmentResponse },
      },
      // The body is a stream read by the handler; the schema above only documents it.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const principal = await auth(request);
      if (!request.isMultipart()) throw new AppError('BAD_REQUEST', 'send the file as multipart/form-data');
      let part: Awaited<ReturnType<typeof request.file>>;
      try {
        part = await request.file();
      } catch (err) {
        throw multipartError(err);
      }
      if (!part) throw new AppError('BAD_REQUEST', 'no file in the form: send it in the field "file"');
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw new AppError('BAD_REQUEST', 'send the file in the field "file"');
      }
      const attachment = await uploads
        .upload(principal, {
          filename: part.filename,
          mimetype: part.mimetype,
          stream: part.file,
          truncated: () => part.file.truncated,
        })
        .catch((err) => {
          throw multipartError(err);
        });
      reply.code(201);
      return { attachment };
    },
  );

  app.get(
    '/uploads/:id/:name',
    {
      schema: {
        tags,
        summary:
          'An uploaded file, by the url of its attachment (no token: the url is unguessable). Images inline, other files as downloads.',
        params: UploadParams,
        response: {
          // A stream, never serialised: the schema only documents it.
          200: Type.Unsafe<unknown>({
            type: 'string',
            format: 'binary',
            description: 'The file, with its content type',
          }),
        },
      },
    },
    async (request, reply) => {
      const found = await uploads.open(request.params.id, request.params.name);
      if (!found) throw new AppError('NOT_FOUND', 'file not found');
      const { record, handle } = found;
      const disposition = isInlineType(record.contentType) ? 'inline' : 'attachment';
      reply
        .type(record.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : record.contentType)
        .header('content-length', String(record.size))
        .header('content-disposition', contentDisposition(disposition, record.name))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', UPLOAD_CSP)
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'private, max-age=31536000, immutable');
      return reply.send(handle.createReadStream());
    },
  );
};

/** `inline` or `attachment`, with an ASCII fallback name and the exact one (RFC 6266 / 8187). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** Multipart's own errors, in the closed vocabulary. */
function multipartError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('PAYLOAD_TOO_LARGE', 'the file is too large');
  if (code === 'FST_FILES_LIMIT') return new AppError('BAD_REQUEST', 'send one file per request');
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new AppError('BAD_REQUEST', 'too many form fields');
  }
  if (typeof code === 'string' && code.startsWith('FST_'))
    return new AppError('BAD_REQUEST', 'malformed multipart body');
  if (err instanceof Error && /multipart|boundary|terminated early/i.test(err.message)) {
    return new AppError('BAD_REQUEST', 'malformed multipart body');
  }
  return err;
}
