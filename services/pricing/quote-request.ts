import { z } from 'zod';

import { AppError } from '../../shared/errors';
import type { QuoteRequestItem } from './quote';

const quoteRequestSchema = z.strictObject(
  {
    items: z
      .array(
        z.strictObject({
          sku: z.string().min(1).max(64),
          quantity: z.number().int().min(1).max(1000),
        }),
      )
      .min(1, 'must list at least one item')
      .max(100, 'must list at most 100 items'),
  },
  // Only for a body that is not an object: other problems (an unknown key) keep their own message.
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object with an items array' : undefined) },
);

/** Validates a `POST /quotes` body; every problem is a 400 that says where it is. */
export function parseQuoteRequest(body: unknown): readonly QuoteRequestItem[] {
  const result = quoteRequestSchema.safeParse(body);
  if (result.success) return result.data.items;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`);
  throw new AppError(400, 'invalid_body', problems.join('; '));
}
