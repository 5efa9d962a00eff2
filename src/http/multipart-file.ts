import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import busboy from 'busboy';
import { apiError, type ApiError } from './api-error.ts';

/** A multipart request body: its headers and the request stream. */
export type MultipartBody = { headers: IncomingHttpHeaders; body: Readable };

export type MultipartFile = { stream: Readable; filename: string; truncated: () => boolean };

/**
 * The part named `file` of a multipart body, as a stream; `truncated()` tells, once it has
 * been read, whether the cap cut it. Past the cap the request stops being read at all, and
 * the stream fails with `tooLarge()`.
 */
export function multipartFile(upload: MultipartBody, maxBytes: number, tooLarge: () => ApiError): Promise<MultipartFile> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: upload.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 1024, parts: 12 } });
    } catch {
      reject(apiError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in the field "file"'));
      return;
    }
    let truncated = false;
    parser.on('file', (field, stream, info) => {
      if (field !== 'file') {
        stream.resume();
        return;
      }
      stream.once('limit', () => {
        truncated = true;
        // Stop reading the request: what is past the cap is never received, let alone kept.
        upload.body.unpipe(parser);
        upload.body.pause();
        stream.destroy(tooLarge());
      });
      resolve({ stream, filename: info.filename ?? '', truncated: () => truncated });
    });
    parser.once('error', () => reject(apiError('VALIDATION_FAILED', 'The multipart body is malformed')));
    parser.once('close', () => reject(apiError('VALIDATION_FAILED', 'The multipart body has no field "file"')));
    upload.body.pipe(parser);
  });
}

/** How many leading bytes a file's type is judged from (what file-type reads for the formats the areas allow). */
const SNIFF_BYTES = 4100;

/** Passes the stream through, keeping its first SNIFF_BYTES bytes for type detection. */
export function keepHead(source: Readable): { stream: Readable; head: () => Buffer } {
  const bytes = SNIFF_BYTES;
  const chunks: Buffer[] = [];
  let kept = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (kept < bytes) {
        chunks.push(chunk.subarray(0, bytes - kept));
        kept += Math.min(chunk.length, bytes - kept);
      }
      done(null, chunk);
    },
  });
  source.once('error', (err) => stream.destroy(err));
  return { stream: source.pipe(stream), head: () => Buffer.concat(chunks) };
}
