import { useRef, useState } from 'react';
import { ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import type { Attachment } from './inbox.queries.js';

export { formatBytes } from './format-bytes.js';

/** The server's limit per file (SPEC §3.3); larger files are refused here, before any byte is sent. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/**
 * Uploads one file as multipart/form-data. XMLHttpRequest rather than fetch, because fetch
 * reports no upload progress.
 */
function uploadAttachment(file: File, onProgress: (fraction: number) => void, signal: AbortSignal): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/v1/attachments');
    request.setRequestHeader('accept', 'application/json');
    request.responseType = 'json';
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status === 201) return resolve(request.response as Attachment);
      const error = (request.response as { error?: { code?: string; message?: string } } | null)?.error;
      reject(new ApiError(request.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${request.status}`));
    };
    request.onerror = () => reject(new ApiError(0, 'network_error', 'The server cannot be reached'));
    request.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal.addEventListener('abort', () => request.abort());
    const form = new FormData();
    form.append('file', file);
    request.send(form);
  });
}

export type Upload = { key: number; file: File; progress: number; attachment?: Attachment; error?: string; controller: AbortController };

/** The composer's files: each uploads as soon as it is chosen; those over the limit are refused and never sent. */
export function useUploads() {
  const i18n = useI18n();
  const [list, setList] = useState<Upload[]>([]);
  const [refused, setRefused] = useState<File[]>([]);
  const count = useRef(0);

  function add(files: File[]) {
    setRefused(files.filter((file) => file.size > MAX_ATTACHMENT_BYTES));
    for (const file of files.filter((each) => each.size <= MAX_ATTACHMENT_BYTES)) {
      const key = ++count.current;
      const controller = new AbortController();
      const update = (patch: Partial<Upload>) => setList((current) => current.map((each) => (each.key === key ? { ...each, ...patch } : each)));
      setList((current) => [...current, { key, file, progress: 0, controller }]);
      uploadAttachment(file, (progress) => update({ progress }), controller.signal).then(
        (attachment) => update({ attachment, progress: 1 }),
        (error: unknown) => {
          if (!(error instanceof DOMException && error.name === 'AbortError')) update({ error: errorMessage(error, i18n) });
        },
      );
    }
  }

  return {
    list,
    refused,
    add,
    remove(upload: Upload) {
      upload.controller.abort();
      setList((current) => current.filter((each) => each.key !== upload.key));
    },
    clear() {
      setList([]);
      setRefused([]);
    },
    busy: list.some((upload) => !upload.attachment && !upload.error),
    attachmentIds: list.flatMap((upload) => (upload.attachment ? [upload.attachment.id] : [])),
  };
}
