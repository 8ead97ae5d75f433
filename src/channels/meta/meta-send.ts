import type { ChannelContext, OutboundAttachment, SendResult } from '../channel-registry.js';
import { graphCall, sentId, unreachable } from './meta-platform.js';

/**
 * Sends a reply that takes several Graph messages (a text and its files, one message each) in
 * order, and answers the first one's id, which the receipts then follow. Only a failure of the
 * first may be tried again: once one part went out, trying again would send it twice.
 */
export async function sendParts(
  type: string,
  context: ChannelContext,
  input: { baseUrl: string; path: string; token: string; parts: unknown[]; readId: (json: unknown) => string | undefined },
): Promise<SendResult> {
  let first: string | undefined;
  for (const [index, part] of input.parts.entries()) {
    let result: SendResult;
    try {
      result = sentId(type, await graphCall(context, { baseUrl: input.baseUrl, path: input.path, token: input.token, method: 'POST', body: part }), input.readId);
    } catch (error) {
      result = { ok: false, ...unreachable(error) };
    }
    if (!result.ok) {
      if (index === 0) return result;
      return { ...result, retryable: false, error: `Part ${index + 1} of ${input.parts.length} was not sent (the earlier parts were): ${result.error}` };
    }
    first ??= result.providerMessageId;
  }
  return first ? { ok: true, providerMessageId: first } : { ok: false, error: 'Nothing to send', retryable: false };
}

export type MediaPart = { attachment: OutboundAttachment; kind: 'image' | 'video' | 'audio' | 'file' };

/** What kind of media a file goes out as, among those the provider shows inline; anything else is a file. */
export function mediaKind(contentType: string, inline: { image: readonly string[]; video: readonly string[]; audio: readonly string[] }): MediaPart['kind'] {
  if (inline.image.includes(contentType)) return 'image';
  if (inline.video.includes(contentType)) return 'video';
  if (inline.audio.includes(contentType)) return 'audio';
  return 'file';
}
