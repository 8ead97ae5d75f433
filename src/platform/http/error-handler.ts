import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../errors.js';

type ErrorBody = { error: { code: string; message: string; field?: string; [key: string]: unknown } };

type ValidationItem = { keyword?: string; instancePath?: string; message?: string; params?: { keys?: string[] } };

type Issue = { code: string; message: string; field: string };

/** One schema issue as a code and a message that name the field. */
function describeIssue(item: ValidationItem, where: string): Issue {
  const path = (item.instancePath ?? '').split('/').filter(Boolean);
  if (item.keyword === 'unrecognized_keys' && item.params?.keys?.length) {
    const field = [...path, item.params.keys[0]].join('.');
    return { code: 'unknown_field', message: `${where}.${field}: unknown field`, field };
  }
  const field = path.join('.') || where;
  if (item.keyword === 'invalid_type' && item.message?.endsWith('received undefined')) {
    return { code: 'missing_field', message: `${where}.${field}: required`, field };
  }
  return { code: 'invalid_field', message: `${where}.${field}: ${item.message ?? 'invalid'}`, field };
}

/**
 * The first issue gives the code and field; `issues` lists every one, so a form can mark all its
 * bad fields at once, and the message names them all.
 */
function describeValidation(error: FastifyError & { validationContext?: string }): ErrorBody['error'] {
  const where = error.validationContext ?? 'body';
  const issues = ((error.validation ?? [{}]) as ValidationItem[]).map((item) => describeIssue(item, where));
  const first = issues[0]!;
  return { ...first, message: issues.map((issue) => issue.message).join('; '), issues };
}

const frameworkCodes: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is empty but declared as JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large', message: 'The body is larger than allowed' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send JSON (application/json)' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length', message: 'Content-Length does not match the body' },
};

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    if (error.status === 429 && typeof error.details?.retryAfterSeconds === 'number') {
      reply.header('retry-after', String(error.details.retryAfterSeconds));
    }
    return reply.status(error.status).send({ error: { code: error.code, message: error.message, ...error.details } });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    return reply.status(400).send({ error: describeValidation(error) });
  }
  const known = error.code ? frameworkCodes[error.code] : undefined;
  if (known) return reply.status(known.status).send({ error: { code: known.code, message: known.message } });
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return reply.status(400).send({ error: { code: 'invalid_json', message: 'The body is not valid JSON' } });
  }
  if (error.statusCode === 429) {
    return reply.status(429).send({ error: { code: 'rate_limited', message: 'Too many requests' } });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.status(error.statusCode).send({ error: { code: 'bad_request', message: error.message } });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send({ error: { code: 'internal_error', message: 'Something went wrong on our side' } });
}
