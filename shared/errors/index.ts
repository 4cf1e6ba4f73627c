export { AppError, type AppErrorOptions } from './app-error';
export { toErrorResponse, type ErrorResponse } from './to-error-response';
