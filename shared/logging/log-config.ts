import { z } from 'zod';

import { configPart } from '../config';

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'text';

export interface LogConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

/** The logger's variables. */
export const logConfig = configPart(
  z.object({
    LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    LOG_FORMAT: z.enum(['json', 'text'], { message: 'must be json or text' }).default('text'),
  }),
  (vars): LogConfig => ({ level: vars.LOG_LEVEL, format: vars.LOG_FORMAT }),
);
